package mock

import (
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// The page at /__mock/ui: the topology, the live journal and the fault rules, for a person.
// Its files are embedded and hold no data: it reads everything through the admin API, under the
// admin API's rules, sending the admin token (which it asks for when one is needed) as a header.

//go:embed ui/index.html ui/app.js ui/style.css
var uiFiles embed.FS

const (
	// UISets is the most sets of one business the page's tree shows, with at most ten modules
	// for each; a larger business is named with its count, and search_set reads it.
	UISets = 5000
	// uiStreams is the most journal streams open at once; uiBatch the most entries a stream
	// sends at a time, uiTick how often it looks for new ones.
	uiStreams = 16
	uiBatch   = 200
	uiTick    = 250 * time.Millisecond
	// uiKeepAlive is how long a stream stays quiet before it writes a comment.
	uiKeepAlive = 15 * time.Second
	// uiWriteWait is how long a stream waits for a reader that does not read: then it ends, so
	// a slow page holds nothing on the server (Server.writeWait, which tests shorten).
	uiWriteWait = 10 * time.Second
)

// uiRoutes serves the page's files, open to every caller as they hold nothing of the store, with
// a policy that lets them load nothing from another host and run in no frame.
func (s *Server) uiRoutes(e *echo.Echo) {
	for path, file := range map[string]struct{ name, ctype string }{
		PathAdmin + "/ui":           {"ui/index.html", "text/html; charset=utf-8"},
		PathAdmin + "/ui/app.js":    {"ui/app.js", "text/javascript; charset=utf-8"},
		PathAdmin + "/ui/style.css": {"ui/style.css", "text/css; charset=utf-8"},
	} {
		body, err := uiFiles.ReadFile(file.name)
		if err != nil {
			panic(err) // embedded above: a build without them does not compile
		}
		e.GET(path, func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cache-Control", "no-store")
			return c.Blob(http.StatusOK, file.ctype, body)
		})
	}
}

// adminStatus is the page's header: the release, IAM, uptime, the sets held and their limit, and
// the businesses and custom levels whose trees it shows.
func (s *Server) adminStatus(c echo.Context) error {
	type business struct {
		ID      int64  `json:"bk_biz_id"`
		Name    string `json:"bk_biz_name"`
		Default int64  `json:"default"`
	}
	businesses := []business{}
	for _, b := range s.fixtures().Businesses {
		businesses = append(businesses, business{b.ID, b.Name, b.Default})
	}
	now := s.cfg.Now()
	return c.JSON(http.StatusOK, map[string]any{
		"cmdb_version":   s.cfg.Version,
		"iam":            !s.cfg.IAMOff,
		"started":        s.started.In(s.cfg.Location),
		"uptime_seconds": int64(now.Sub(s.started).Seconds()),
		"sets":           s.store.Len(),
		"max_sets":       s.cfg.MaxSets,
		"businesses":     businesses,
		"levels":         append([]topo.Level{}, s.store.Levels()...),
		"store":          s.storeKind(),
		"tree_sets":      UISets,
		"tree_modules":   UISets * topo.ModulesPerSet,
	})
}

// adminTopology is one business's tree as search_biz_inst_topo answers it, idle set included and
// each level sorted by name, with the records of its sets and the hosts its modules hold; a
// business of more than UISets sets, or ten times as many modules, is answered with too_many
// alone.
func (s *Server) adminTopology(c echo.Context) error {
	bizID, ok, err := queryInt(c, "bk_biz_id")
	switch {
	case err != nil:
		return adminError(c, http.StatusBadRequest, err.Error())
	case !ok:
		return adminError(c, http.StatusBadRequest, "bk_biz_id is required")
	}
	biz, found := s.store.Business(int64(bizID))
	if !found {
		return adminError(c, http.StatusNotFound, "no business "+strconv.Itoa(bizID))
	}
	release, ok := s.heavyRead(c.Request().Context())
	if !ok {
		return nil // the page went away
	}
	defer release()
	placed, tooMany := s.store.SetsOf(int64(bizID), UISets)
	if tooMany {
		return c.JSON(http.StatusOK, map[string]any{"bk_biz_id": bizID, "too_many": true})
	}
	lang := spec.ParseLanguage(c.QueryParam("lang"), spec.Chinese)
	tree := s.bizTree(biz, placed, treeBuilder{lang: lang, sorted: true}, true)
	records := make(map[string]topo.Record, len(placed))
	hosts := map[string]int64{}
	for _, p := range placed {
		if rec, ok := s.store.Set(p.ID); ok {
			records[strconv.FormatInt(p.ID, 10)] = rec
		}
		for _, m := range p.Modules {
			if m.Hosts > 0 {
				hosts[strconv.FormatInt(m.ID, 10)] = m.Hosts
			}
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"bk_biz_id": bizID, "tree": tree, "sets": records, "hosts": hosts})
}

// adminJournalStream sends the journal's new entries as server-sent events, oldest first, from
// the entry after the one named by ?after= (or by Last-Event-ID when the browser reconnects). A
// stream reads the journal on a timer, a batch at a time, and ends when its reader stops
// reading, when the mock stops, and when too many are open.
func (s *Server) adminJournalStream(c echo.Context) error {
	after, err := queryCount(c, "after")
	if err != nil {
		return adminError(c, http.StatusBadRequest, err.Error())
	}
	if id, err := strconv.Atoi(c.Request().Header.Get("Last-Event-ID")); err == nil {
		after = id
	}
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		return adminError(c, http.StatusServiceUnavailable, "too many journal streams are open; close a page")
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var sent time.Time // the last write
	send := func(b []byte) error {
		sent = time.Now()
		if err := rc.SetWriteDeadline(time.Now().Add(s.writeWait)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send([]byte(": the journal, as it grows\n\n")); err != nil {
		return nil
	}
	tick := time.NewTicker(uiTick)
	defer tick.Stop()
	for {
		entries := s.journal.After(int64(after), uiBatch)
		for _, e := range entries {
			b, err := json.Marshal(e)
			if err != nil {
				return nil
			}
			if send([]byte("id: "+strconv.FormatInt(e.ID, 10)+"\ndata: "+string(b)+"\n\n")) != nil {
				return nil
			}
			after = int(e.ID)
		}
		if time.Since(sent) >= uiKeepAlive { // a comment keeps proxies from closing a quiet stream
			if send([]byte(": idle\n\n")) != nil {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-c.Request().Context().Done():
			return nil
		case <-s.closing:
			return nil
		}
	}
}

// EndWaits ends what would keep a stop waiting on the mock's own making: the journal streams of
// open pages end, and the calls held by a fault rule's delay go on.
func (s *Server) EndWaits() { s.closeOnce.Do(func() { close(s.closing) }) }

// Close ends the waits and lets a shared store go: after it, no call is served.
func (s *Server) Close() {
	s.EndWaits()
	if s.shared != nil {
		s.shared.close()
	}
}
