package mock_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// browser is a tab of a headless Chromium of its own. Without Chromium the test skips, and
// fails under CI, whose .ci/run installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium is installed; .ci/run installs Debian's chromium")
		}
		t.Skip("no Chromium is installed (Debian's chromium): the page's browser tests are not run")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 860))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start Chromium")
	return ctx
}

// uiServer is a mock whose fixtures have two custom levels and Chinese names, served on a
// loopback port.
func uiServer(t *testing.T, cfg mock.Config) (*mock.Server, string) {
	t.Helper()
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(`[
			{"bk_biz_id":1,"bk_biz_name":"资源池","default":1,"sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1,
				"modules":[{"bk_module_id":1,"bk_module_name":"空闲机","default":1}]}]},
			{"bk_biz_id":2,"bk_biz_name":"蓝鲸游戏","sets":[{"bk_set_id":2,"bk_set_name":"空闲机池","default":1,
				"modules":[{"bk_module_id":4,"bk_module_name":"空闲机","default":1},{"bk_module_id":5,"bk_module_name":"故障机","default":2,"hosts":2}]}],
			"nodes":[{"bk_inst_id":201,"bk_inst_name":"华南","bk_obj_id":"region","bk_parent_id":0},
				{"bk_inst_id":202,"bk_inst_name":"深圳一区","bk_obj_id":"zone","bk_parent_id":201}]}]`)},
		"mainline.json": {Data: []byte(`[{"bk_obj_id":"region","bk_obj_name":"地区"},{"bk_obj_id":"zone","bk_obj_name":"可用区"}]`)},
	})
	require.NoError(t, err)
	sp := loadSpec()
	s, err := mock.New(sp, fx, cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv.URL
}

const (
	uiSecret = "canary-ui-secret-5e1f"
	uiToken  = "canary-ui-token-77aa"
)

// esbCreate creates a set through the ESB with canary credentials and returns the answer's code.
func esbCreate(t *testing.T, base, name string) int {
	t.Helper()
	body := `{"bk_app_code":"ui","bk_app_secret":"` + uiSecret + `","bk_token":"` + uiToken + `","bk_username":"alice",
		"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"` + name + `","bk_set_env":"2","bk_capacity":50}}`
	resp, err := http.Post(base+mock.PathESBCreateSet, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var answer struct{ Code int }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	return answer.Code
}

// TestUIInABrowser: the page in headless Chromium shows the tree with a set created through the
// ESB, the custom levels of the fixtures and the hosts a module holds, which a module's dialog
// changes; a call made while it is open shows in the journal
// without a reload; a fault added from its form answers the next create, and removed, answers
// no more; reset empties what was created; no secret reaches the page.
func TestUIInABrowser(t *testing.T) {
	s, base := uiServer(t, mock.Config{})
	ctx := browser(t)
	require.Equal(t, 0, esbCreate(t, base, "web-1"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/__mock/ui"),
		chromedp.WaitVisible(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
	))
	tree := text(t, ctx, "#tree")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#record`)),
	))
	record := text(t, ctx, "#record")
	for _, want := range []string{"蓝鲸游戏", "地区", "华南", "可用区", "深圳一区", "web-1", "staging", "capacity 50", "空闲机池", "故障机 #5 · 2 hosts"} {
		assert.Contains(t, tree, want)
	}
	assert.Contains(t, record, `"bk_set_name": "web-1"`)
	assert.Contains(t, record, `"bk_created_by": "alice"`)

	// Hosts placed from a module's dialog: 故障机 made to hold 3, which the store and the tree
	// then show.
	closeDialog(t, ctx)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tree button.module[data-module-id="5"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#hosts-form input[name=hosts]`)),
		chromedp.SetValue(chromedp.CSS(`#hosts-form input[name=hosts]`), "3"),
		chromedp.Click(chromedp.CSS(`#hosts-form button[type=submit]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#detail`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('#tree button.module[data-module-id="5"]').textContent.includes("· 3 hosts")`),
	))
	assert.Equal(t, int64(3), s.Store().Hosts(5))

	// Live: a duplicate sent now shows in the journal, newest first, without a reload.
	require.Equal(t, 1101108, esbCreate(t, base, "web-1"))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#entries tr[data-code="1101108"]`))))
	first := text(t, ctx, "#entries tr:first-child")
	assert.Contains(t, first, "create_set")
	assert.Contains(t, first, "1101108")

	// A fault from the form answers every create until it is removed.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#fault-form select[name=surface]`), "esb"),
		chromedp.SendKeys(chromedp.CSS(`#fault-form input[name=code]`), "1306201"),
		chromedp.SendKeys(chromedp.CSS(`#fault-form input[name=message]`), "Request backend service failed"),
		chromedp.Click(chromedp.CSS(`#fault-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rules tr[data-rule="1"]`)),
	))
	assert.Equal(t, 1306201, esbCreate(t, base, "web-2"))
	assert.Equal(t, 1306201, esbCreate(t, base, "web-2"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#rules tr[data-rule="1"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#rules tr[data-rule="1"]`)),
	))
	assert.Equal(t, 0, esbCreate(t, base, "web-2"), "the fault removed, creates go through")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#tree button.set[data-set-id="5"]`))),
		"the tree redraws after a create")

	// The filters: the tree by name, the journal by code.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#tree-filter`), "web-2"),
		chromedp.WaitNotVisible(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tree button.set[data-set-id="5"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-code`), "1306201"),
		chromedp.WaitNotVisible(chromedp.CSS(`#entries tr[data-code="1101108"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entries tr[data-code="1306201"]`)),
	))
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#entries tr")].filter(r => r.offsetParent !== null).length`))
	require.NoError(t, err)
	assert.Equal(t, 2, visible, "the two faulted creates")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`["tree-filter", "f-code"].forEach(id => { const e = document.getElementById(id); e.value = ""; e.dispatchEvent(new Event("input")) })`),
		chromedp.WaitVisible(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
	))

	// An entry opened from the keyboard: its request masked, and a curl that names the secret
	// as a variable.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS(`#entries tr:first-child`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#curl`)),
	))
	curl := text(t, ctx, "#curl")
	assert.Contains(t, curl, `"bk_app_secret":"'"$BK_APP_SECRET"'"`)
	assert.Contains(t, curl, base+mock.PathESBCreateSet)
	assertNoSecretInPage(t, ctx)
	closeDialog(t, ctx)
	if *update {
		screenshots(t, ctx)
	}

	// Reset, once confirmed, empties what was created.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#reset`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-yes`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#tree button.set[data-set-id="5"]`)),
	))
	assert.Equal(t, 2, s.Store().Len(), "the idle sets of the two businesses are left")
	assertNoSecretInPage(t, ctx)
}

// assertNoSecretInPage: neither canary is anywhere in the page: its markup, its text, the values
// of its inputs.
func assertNoSecretInPage(t *testing.T, ctx context.Context) {
	t.Helper()
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`document.documentElement.outerHTML + document.body.innerText + [...document.querySelectorAll("input")].map(i => i.value).join(" ")`))
	require.NoError(t, err)
	assert.NotContains(t, page, uiSecret)
	assert.NotContains(t, page, uiToken)
}

// TestUIWithAdminToken: with --admin-token, the page asks for the token and shows nothing of the
// store until it has it; given, it is sent as a header and never shows in the address.
func TestUIWithAdminToken(t *testing.T) {
	const token = "t0ken-for-the-page"
	_, base := uiServer(t, mock.Config{Admin: mock.AdminAccess{Token: token}})
	ctx := browser(t)
	require.Equal(t, 0, esbCreate(t, base, "secret-set"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/__mock/ui"),
		chromedp.WaitVisible(chromedp.CSS(`#token-input`)),
	))
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	require.NoError(t, err)
	assert.NotContains(t, page, "secret-set")
	assert.NotContains(t, page, "深圳一区")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#token-input`), token),
		chromedp.Click(chromedp.CSS(`#token button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#tree button.set[data-set-id="3"]`)),
	))
	href, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	input, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#token-input`)))
	require.NoError(t, err)
	assert.NotContains(t, href, token)
	assert.Empty(t, input, "the field does not keep the token")

	// The stream of the journal goes with the token too.
	require.Equal(t, 1101108, esbCreate(t, base, "secret-set"))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#entries tr[data-code="1101108"]`))))
}

// TestUIShowsUnansweredCalls: a call the mock sent nothing to (a dropped connection) shows in
// the journal as unanswered, in its row and its detail, not as the HTTP 200 nobody sent.
func TestUIShowsUnansweredCalls(t *testing.T) {
	s, base := uiServer(t, mock.Config{})
	ctx := browser(t)
	_, err := s.Faults().Add(mock.FaultRule{Drop: true, Times: 1})
	require.NoError(t, err)
	_, err = http.Post(base+mock.PathESBCreateSet, "application/json", strings.NewReader(`{}`))
	require.Error(t, err, "the connection is dropped")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/__mock/ui"),
		chromedp.WaitVisible(chromedp.CSS(`#entries tr:first-child`)),
	))
	assert.Contains(t, text(t, ctx, "#entries tr:first-child"), "no answer: the connection was closed")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#entries tr:first-child`)),
		chromedp.WaitVisible(chromedp.CSS(`#curl`)),
	))
	detail := text(t, ctx, "#detail")
	assert.Contains(t, detail, "answer · no answer")
	assert.NotContains(t, detail, "HTTP 200")
}

// TestUIFilesAreSelfContained: the page and its files come from the binary, under a policy that
// lets them load nothing from another host, and they name no other host.
func TestUIFilesAreSelfContained(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, path := range []string{"/__mock/ui", "/__mock/ui/app.js", "/__mock/ui/style.css"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "192.0.2.7:5000" // the files hold no data: open from anywhere
		s.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, path)
		assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'", path)
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
		body, _ := io.ReadAll(rec.Body)
		assert.NotRegexp(t, `(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/`, string(body), "%s fetches nothing from another host", path)
	}
}

// TestUIStatusAndTopology: the endpoints the page reads answer as spec/admin.yaml says (held by
// TestAdminAPIKeepsItsDocument) with the business's tree and its sets' records.
func TestUIStatusAndTopology(t *testing.T) {
	s, base := uiServer(t, mock.Config{})
	require.Equal(t, 0, esbCreate(t, base, "web-1"))
	var status struct {
		Sets        int `json:"sets"`
		MaxSets     int `json:"max_sets"`
		TreeSets    int `json:"tree_sets"`
		TreeModules int `json:"tree_modules"`
		Businesses  []struct {
			Name string `json:"bk_biz_name"`
		} `json:"businesses"`
		Levels []struct {
			ID string `json:"bk_obj_id"`
		} `json:"levels"`
	}
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/status", "", &status))
	assert.Equal(t, 3, status.Sets)
	assert.Equal(t, mock.DefaultMaxSets, status.MaxSets)
	assert.Equal(t, []int{mock.UISets, 10 * mock.UISets}, []int{status.TreeSets, status.TreeModules})
	assert.Len(t, status.Businesses, 2)
	assert.Len(t, status.Levels, 2)

	var topology struct {
		Tree struct {
			Child []struct {
				Name  string `json:"bk_inst_name"`
				Child []struct {
					Child []struct {
						Name string `json:"bk_inst_name"`
					} `json:"child"`
				} `json:"child"`
			} `json:"child"`
		} `json:"tree"`
		Sets map[string]map[string]any `json:"sets"`
	}
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/topology?bk_biz_id=2", "", &topology))
	require.NotEmpty(t, topology.Tree.Child)
	assert.Equal(t, "华南", topology.Tree.Child[0].Name)
	assert.Equal(t, "web-1", topology.Tree.Child[0].Child[0].Child[0].Name)
	assert.Equal(t, "2", topology.Sets["3"]["bk_set_env"])
	assert.Equal(t, 400, admin(t, s, http.MethodGet, "/__mock/topology", "", nil))
	assert.Equal(t, 404, admin(t, s, http.MethodGet, "/__mock/topology?bk_biz_id=99", "", nil))

	// A business of more modules than the page's tree shows is named alone.
	for i := range 10 * mock.UISets {
		_, err := s.Store().CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: 3, BizID: 2})
		require.NoError(t, err)
	}
	var tooMany map[string]any
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/topology?bk_biz_id=2", "", &tooMany))
	assert.Equal(t, map[string]any{"bk_biz_id": 2.0, "too_many": true}, tooMany)
}

// screenshots writes the page, light and dark, for the README (go test ./mock -run TestUIInABrowser
// -update; Chinese names need a CJK font such as Debian's fonts-noto-cjk).
func screenshots(t *testing.T, ctx context.Context) {
	for _, scheme := range []string{"light", "dark"} {
		require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
			_, err := cdp.Call(ctx, tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}), chromedp.Sleep(200*time.Millisecond)))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "ui-"+scheme+".png"), png, 0o644))
	}
}

// text is the text of the element the selector finds.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err)
	return s
}

// closeDialog closes the open dialog with Escape, as a person would.
func closeDialog(t *testing.T, ctx context.Context) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS(`#detail`))))
}

// sseEvents reads the ids and data of a stream's events as they come.
func sseEvents(t *testing.T, body io.Reader) <-chan [2]string {
	t.Helper()
	out := make(chan [2]string, 64)
	go func() {
		defer close(out)
		lines := bufio.NewScanner(body)
		lines.Buffer(make([]byte, 1<<20), 1<<20)
		var id string
		for lines.Scan() {
			line := lines.Text()
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				out <- [2]string{id, v}
			}
		}
	}()
	return out
}

func openStream(t *testing.T, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestJournalStream: the stream sends the entries after its cursor, then each new one as it
// comes, masked; a reconnect with Last-Event-ID goes on from there; at most 16 are open at once;
// Close ends every one, so a stop does not wait on an open page.
func TestJournalStream(t *testing.T) {
	s, base := uiServer(t, mock.Config{})
	require.Equal(t, 0, esbCreate(t, base, "a"))

	resp := openStream(t, base+"/__mock/journal/stream?after=0", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := sseEvents(t, resp.Body)
	next := func() [2]string {
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
			return [2]string{}
		}
	}
	first := next()
	assert.Equal(t, "1", first[0], "the entry made before the stream opened")
	assert.Contains(t, first[1], `"call":"create_set"`)
	assert.Contains(t, first[1], `"surface":"esb"`)
	assert.NotContains(t, first[1], uiSecret)
	require.Equal(t, 1101108, esbCreate(t, base, "a"))
	second := next()
	assert.Equal(t, "2", second[0], "a new entry, as it comes")
	assert.Contains(t, second[1], `"code":1101108`)

	again := sseEvents(t, openStream(t, base+"/__mock/journal/stream", map[string]string{"Last-Event-ID": "1"}).Body)
	select {
	case e := <-again:
		assert.Equal(t, "2", e[0], "a reconnect goes on after the last id it had")
	case <-time.After(5 * time.Second):
		t.Fatal("no event after a reconnect")
	}

	for i := 2; i < 16; i++ { // two are open
		require.Equal(t, http.StatusOK, openStream(t, base+"/__mock/journal/stream", nil).StatusCode)
	}
	refused := openStream(t, base+"/__mock/journal/stream", nil)
	assert.Equal(t, http.StatusServiceUnavailable, refused.StatusCode, "the seventeenth")

	s.Close()
	select {
	case _, open := <-events:
		for open {
			_, open = <-events
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the stream")
	}
}

// TestJournalAfter: After reads on from a cursor, oldest first, a batch at a time, whatever the
// ring has let go.
func TestJournalAfter(t *testing.T) {
	s := newServer(t, mock.Config{JournalSize: 3})
	for range 5 {
		req{surface: "v3", biz: 1, data: set()}.send(t, s)
	}
	ids := func(entries []mock.Entry) (out []int64) {
		for _, e := range entries {
			out = append(out, e.ID)
		}
		return out
	}
	for _, tc := range []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 10, []int64{3, 4, 5}}, // 1 and 2 are gone
		{3, 10, []int64{4, 5}},
		{3, 1, []int64{4}},
		{5, 10, nil},
		{99, 10, nil},
		{-9_000_000_000_000_000_000, 10, []int64{3, 4, 5}},
	} {
		assert.Equal(t, tc.want, ids(s.Journal().After(tc.after, tc.limit)), "after %d, %d", tc.after, tc.limit)
	}
}

// TestJournalStreamLetsASlowReaderGo: a reader that takes nothing is let go once a write has
// waited for it too long, so the stream holds nothing on the server: the connection ends
// while the mock keeps making entries.
func TestJournalStreamLetsASlowReaderGo(t *testing.T) {
	s, base := uiServer(t, mock.Config{MaxBody: 1 << 20})
	s.SetStreamWriteWait(100 * time.Millisecond)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /__mock/journal/stream HTTP/1.1\r\nHost: "+strings.TrimPrefix(base, "http://")+"\r\n\r\n")
	require.NoError(t, err)

	// Entries of 60 KiB each, far more than the sockets' buffers hold, while nothing is read.
	big := strings.Repeat("x", 60<<10)
	for range 400 {
		resp, err := http.Post(base+mock.PathESBCreateSet, "application/json",
			strings.NewReader(`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":2,"data":{"bk_set_desc":"`+big+`"}}`))
		require.NoError(t, err)
		resp.Body.Close()
	}
	time.Sleep(time.Second) // the stream's writes wait 100 ms, then it ends
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.Copy(io.Discard, conn)
	assert.NoError(t, err, "the server ended the stream: what was sent is read to its end, not to the deadline")
}
