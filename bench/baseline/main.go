// Command baseline is the yardstick of bench/run.sh: a bare Echo server that answers a fixed
// body on each of its routes, with no validation, no rules and no store. By default it serves
// create_set's success; --answer adds a route whose answer is a file's bytes, so that a read's
// yardstick writes as many bytes as the mock's answer to the same read. --work makes each
// answer cost that much more CPU time, for bench/budget.sh: what a handler's own work costs in
// requests a second on the machine. --decode answers create_set as an idiomatic Echo handler
// does (decode.go), for bench/run.sh: what reading a call and writing its answer costs.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const answer = `{"result":true,"code":0,"message":"success","permission":null,"request_id":"e43da4ef221746868dc4c837d36f3807","data":{"bk_biz_id":1,"bk_capacity":1000,"bk_parent_id":1,"bk_service_status":"1","bk_set_desc":"","bk_set_env":"3","bk_set_id":4780,"bk_set_name":"test-set","bk_supplier_account":"0","create_time":"2022-02-22T20:34:01.386+08:00","default":0,"description":"","last_time":"2022-02-22T20:34:01.386+08:00","set_template_id":0,"set_template_version":null}}`

const createSetPath = "/api/c/compapi/v2/cc/create_set/"

// answers are the routes of --answer: a POST path and the file of its answer.
type answers map[string][]byte

func (a answers) String() string { return fmt.Sprint(len(a), " routes") }

func (a answers) Set(v string) error {
	path, file, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("want /path=file, not %q", v)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	a[path] = body
	return nil
}

// spin keeps the goroutine on the CPU for d: a handler's work without its memory or locks.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	routes := answers{createSetPath: []byte(answer)}
	flag.Var(routes, "answer", "/path=file: answer a POST to path with the file's bytes (repeatable)")
	work := flag.Duration("work", 0, "spend this long on the CPU before each answer, as a handler's own work would")
	decode := flag.Bool("decode", false, "answer create_set with Echo's Bind and c.JSON, a struct each way, rather than fixed bytes")
	flag.Parse()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	for path, body := range routes {
		if *decode && path == createSetPath {
			e.POST(path, decodeCreateSet)
			continue
		}
		e.POST(path, func(c echo.Context) error {
			_, _ = io.Copy(io.Discard, c.Request().Body) // read the body, as any server must
			if *work > 0 {
				spin(*work)
			}
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
		})
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("baseline listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
