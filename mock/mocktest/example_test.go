package mocktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/mocktest"
)

// esbCall is a service's call of an ESB component, the fields it sends beside its credentials
// given as JSON members; it returns the answer's code, and reads the answer's data into data
// unless data is nil.
func esbCall(baseURL, component, fields string, data any) int {
	body := `{"bk_app_code":"my-app","bk_app_secret":"secret","bk_username":"alice",` + fields + `}`
	resp, err := http.Post(baseURL+"/api/c/compapi/v2/cc/"+component+"/", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Code int             `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	if data != nil {
		if err := json.Unmarshal(answer.Data, data); err != nil {
			log.Fatal(err)
		}
	}
	return answer.Code
}

// createSet is what a service under test would do: call create_set through ESB.
func createSet(baseURL, name string) (code int, setID int64) {
	var data struct {
		SetID int64 `json:"bk_set_id"`
	}
	code = esbCall(baseURL, "create_set", fmt.Sprintf(`"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":%q}`, name), &data)
	return code, data.SetID
}

func Example() {
	// In a test: m := mocktest.Start(t, mocktest.Options{}), stopped at the test's cleanup.
	m, err := mocktest.New(mocktest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	// The gateway fails once, then the call goes through: does the service retry?
	if _, err := m.Faults().Add(mock.FaultRule{Code: 1306201, Message: "Request backend service failed", Times: 1}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(createSet(m.URL, "web"))
	fmt.Println(createSet(m.URL, "web"))
	fmt.Println(createSet(m.URL, "web")) // a duplicate now

	rec, _ := m.Store().Set(3)
	fmt.Println(rec["bk_set_name"], rec["bk_created_by"])
	fmt.Println(len(m.Journal().Entries(mock.JournalFilter{})), "requests journaled")
	// Output:
	// 1306201 0
	// 0 3
	// 1101108 0
	// web alice
	// 3 requests journaled
}

// Example_hosts: a set whose module holds hosts is not deleted, as CMDB refuses it; does the
// service's teardown move the hosts out first, or report the refusal?
func Example_hosts() {
	m, err := mocktest.New(mocktest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	_, set := createSet(m.URL, "web") // in business 1
	fmt.Println(esbCall(m.URL, "create_module", fmt.Sprintf(`"bk_biz_id":1,"bk_set_id":%d,"data":{"bk_parent_id":%[1]d,"bk_module_name":"nginx"}`, set), nil))
	module := m.Store().Modules(set)[0].ID
	if _, err := m.Server.PlaceHosts(context.Background(), module, 2); err != nil {
		log.Fatal(err)
	}
	fmt.Println(esbCall(m.URL, "delete_set", fmt.Sprintf(`"bk_biz_id":1,"bk_set_id":%d`, set), nil))
	if _, err := m.Server.PlaceHosts(context.Background(), module, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(esbCall(m.URL, "delete_set", fmt.Sprintf(`"bk_biz_id":1,"bk_set_id":%d`, set), nil))
	// Output:
	// 0
	// 1101030
	// 0
}
