package mock

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// adminTokenHeader carries --admin-token; "Authorization: Bearer <token>" works too.
const adminTokenHeader = "X-Cmdbmock-Admin-Token"

// adminOnly lets in the admin calls that the server's AdminAccess accepts; with a shared store,
// the store is brought up to the log's end first, so that what an admin call reads is current.
func (s *Server) adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if status, why := s.cfg.Admin.Refusal(c.Request()); status != 0 {
			return adminError(c, status, why)
		}
		if s.shared != nil && c.Path() != PathAdmin+"/journal/stream" {
			if err := s.shared.sync(c.Request().Context()); err != nil {
				return adminStoreFailure(c, err)
			}
		}
		return next(c)
	}
}

// AdminAccess says who may make admin calls (the admin API, and the debugging endpoints beside
// it): callers straight from a trusted network, and callers with the token.
type AdminAccess struct {
	// Token, once set, lets a call in from anywhere, and is needed from anywhere the Networks
	// do not name, loopback included.
	Token string
	// Networks are trusted without the token, beside Loopback while no Token is set
	// (--admin-networks; in a container, the network a published port's calls come from).
	Networks []netip.Prefix
}

// Loopback is the networks trusted by default.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Refusal says why an admin call is refused, with the HTTP status to answer; status 0 lets it
// in. A call must come from no web page of another origin (Origin, Sec-Fetch-Site), send JSON
// when it posts or puts (an HTML form cannot), and either come straight from a trusted network
// to a host named by "localhost" or an IP address (not through a proxy: Forwarded,
// X-Forwarded-For, X-Real-Ip; and not under a DNS name, which a page may rebind to this
// address), or carry the token.
func (a AdminAccess) Refusal(r *http.Request) (status int, why string) {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return http.StatusForbidden, "admin calls are not accepted from web pages of another origin"
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "http://"+r.Host && origin != "https://"+r.Host {
		return http.StatusForbidden, "admin calls are not accepted from web pages of another origin"
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
			return http.StatusUnsupportedMediaType, "admin calls that post or put send Content-Type: application/json"
		}
	}
	networks := a.Networks
	if a.Token == "" {
		networks = slices.Concat(Loopback, a.Networks)
	}
	if straightFrom(r, networks) {
		return 0, ""
	}
	if a.Token != "" {
		given := r.Header.Get(adminTokenHeader)
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && given == "" {
			given = bearer
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(a.Token)) == 1 {
			return 0, ""
		}
		return http.StatusForbidden, "admin calls need the admin token"
	}
	if a.Networks == nil {
		return http.StatusForbidden, "admin calls are accepted straight from loopback to an address or localhost, or with the admin token"
	}
	return http.StatusForbidden, "admin calls are accepted straight from loopback or the trusted networks (--admin-networks) to an address or localhost, or with the admin token"
}

// straightFrom: the peer is in one of the networks, forwarded nobody else's call, and named the
// host by "localhost" or an address.
func straightFrom(r *http.Request, networks []netip.Prefix) bool {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !slices.ContainsFunc(networks, func(n netip.Prefix) bool { return n.Contains(peer.Addr().Unmap()) }) {
		return false
	}
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	_, err = netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}

// ParseNetworks reads a comma-separated list of networks (10.0.0.0/8) and addresses (a single
// host), as --admin-networks takes them.
func ParseNetworks(list string) ([]netip.Prefix, error) {
	var networks []netip.Prefix
	for _, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		if n, err := netip.ParsePrefix(field); err == nil {
			networks = append(networks, n.Masked())
			continue
		}
		addr, err := netip.ParseAddr(field)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a network (10.0.0.0/8) nor an address", field)
		}
		networks = append(networks, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
	}
	return networks, nil
}

// adminError is the one writer of the admin API's errors.
func adminError(c echo.Context, status int, msg string) error {
	_, err := writeJSON(c, status, map[string]string{"error": msg})
	return err
}

// decodeAdminBody decodes an admin call's body of at most limit bytes into v: one JSON value
// with no key v lacks, and nothing after it (jsonx.ErrTrailing).
func decodeAdminBody(c echo.Context, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	dec.DisallowUnknownFields()
	return jsonx.DecodeWhole(dec, v)
}

// adminStoreFailure answers an admin call that the shared store did not serve (503).
func adminStoreFailure(c echo.Context, err error) error {
	what := "the shared store is unavailable: "
	if errors.Is(err, errAnswerLost) {
		what = "the shared store took the write, but: "
	}
	return adminError(c, http.StatusServiceUnavailable, what+err.Error())
}

func (s *Server) adminRoutes(g *echo.Group) {
	g.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", spec.AdminDocument())
	})
	g.GET("/sets", s.adminSets)
	g.POST("/reset", func(c echo.Context) error {
		if err := s.Reset(); err != nil {
			return adminStoreFailure(c, err) // a store in memory resets without fail
		}
		return c.JSON(http.StatusOK, map[string]int{"sets": s.store.Len()})
	})
	g.GET("/journal", s.adminJournal)
	g.GET("/journal/stream", s.adminJournalStream)
	g.GET("/status", s.adminStatus)
	g.GET("/topology", s.adminTopology)
	g.DELETE("/journal", func(c echo.Context) error {
		s.journal.Clear()
		return c.NoContent(http.StatusNoContent)
	})
	g.GET("/faults", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"faults": s.faults.List()})
	})
	g.POST("/faults", func(c echo.Context) error {
		var rule FaultRule
		switch err := decodeAdminBody(c, 1<<20, &rule); {
		case errors.Is(err, jsonx.ErrTrailing):
			return adminError(c, http.StatusBadRequest, "a fault rule: one JSON object, and nothing after it")
		case err != nil:
			return adminError(c, http.StatusBadRequest, "a fault rule: "+err.Error())
		}
		if _, err := rule.checked(); err != nil {
			return adminError(c, http.StatusBadRequest, err.Error())
		}
		out, err := s.submit(c.Request().Context(), addFault{Rule: rule})
		switch {
		case err != nil:
			return adminStoreFailure(c, err)
		case out.err != nil:
			return adminError(c, http.StatusBadRequest, out.err.Error())
		}
		return c.JSON(http.StatusCreated, out.rule)
	})
	g.DELETE("/faults", func(c echo.Context) error {
		if _, err := s.submit(c.Request().Context(), dropFaults{}); err != nil {
			return adminStoreFailure(c, err)
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.DELETE("/faults/:id", func(c echo.Context) error {
		out, err := s.submit(c.Request().Context(), dropFault{ID: c.Param("id")})
		switch {
		case err != nil:
			return adminStoreFailure(c, err)
		case out.err != nil:
			return adminError(c, http.StatusNotFound, "no fault rule "+c.Param("id"))
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.PUT("/modules/:bk_module_id/hosts", s.adminPlaceHosts)
	g.POST("/snapshot", func(c echo.Context) error {
		if s.shared != nil {
			return adminError(c, http.StatusConflict, "the mock runs on a shared store (--store), which holds the state")
		}
		err := s.SaveState()
		switch {
		case errors.Is(err, ErrNoStateFile):
			return adminError(c, http.StatusConflict, "the mock was started without --state")
		case err != nil:
			return adminError(c, http.StatusInternalServerError, err.Error())
		}
		return c.JSON(http.StatusOK, map[string]any{"file": s.cfg.StateFile, "sets": s.store.Len()})
	})
}

// adminPlaceHosts makes a module hold the number of hosts the body gives, {"hosts": N}, and
// answers the module as the store now holds it.
func (s *Server) adminPlaceHosts(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("bk_module_id"), 10, 64)
	if err != nil {
		return adminError(c, http.StatusBadRequest, "bk_module_id is not an integer")
	}
	var body struct {
		Hosts *int64 `json:"hosts"`
	}
	if err := decodeAdminBody(c, 1<<10, &body); err != nil || body.Hosts == nil {
		return adminError(c, http.StatusBadRequest, `the body is {"hosts": N}, N a whole number of 0 or more, and nothing else`)
	}
	m, err := s.PlaceHosts(c.Request().Context(), id, *body.Hosts)
	switch {
	case errors.Is(err, ErrHostsNegative):
		return adminError(c, http.StatusBadRequest, err.Error())
	case errors.Is(err, topo.ErrNoModule):
		return adminError(c, http.StatusNotFound, "no module "+strconv.FormatInt(id, 10))
	case err != nil:
		return adminStoreFailure(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"bk_module_id": m.ID, "bk_module_name": m.Name, "bk_set_id": m.SetID, "bk_biz_id": m.BizID, "hosts": *body.Hosts})
}

// adminSetsPage is how many sets the admin API lists at once unless limit says otherwise.
const adminSetsPage = 1000

// adminSets lists the stored sets by id, filtered by bk_biz_id, bk_parent_id and bk_set_name, a
// page at a time (start, limit), with the count of all that match.
func (s *Server) adminSets(c echo.Context) error {
	q := topo.Query{AllBusinesses: true, Condition: map[string]any{}, Limit: adminSetsPage, MaxPage: topo.DefaultMaxPage}
	for _, k := range []string{"bk_biz_id", "bk_parent_id", "start", "limit"} {
		n, ok, err := queryInt(c, k)
		switch {
		case err != nil:
			return adminError(c, http.StatusBadRequest, err.Error())
		case !ok:
		case k == "bk_biz_id":
			q.BizID, q.AllBusinesses = int64(n), false
		case k == "bk_parent_id":
			q.Condition[k] = int64(n)
		case k == "start":
			q.Start = n
		default:
			q.Limit = n
		}
	}
	if name := c.QueryParam("bk_set_name"); name != "" {
		q.Condition["bk_set_name"] = name
	}
	if q.Start < 0 || q.Limit <= 0 || q.Limit > q.MaxPage {
		return adminError(c, http.StatusBadRequest, fmt.Sprintf("limit is 1 to %d, and start 0 or more", q.MaxPage))
	}
	count, page, err := s.store.SearchPage(c.Request().Context(), q)
	switch {
	case errors.Is(err, topo.ErrPageTooLarge):
		return adminError(c, http.StatusBadRequest, fmt.Sprintf("start and limit reach no further than %d sets of every business: narrow by bk_biz_id, whose sets are listed from any start", topo.MaxWindow))
	case err != nil:
		return adminError(c, http.StatusServiceUnavailable, err.Error()) // the client went away
	}
	b := append(fmt.Appendf(nil, `{"count":%d,"sets":`, count), page.AppendJSON(nil)...)
	return c.JSONBlob(http.StatusOK, append(b, '}'))
}

// adminJournal lists the journal, newest first, filtered by path, user and code.
func (s *Server) adminJournal(c echo.Context) error {
	f := JournalFilter{Path: c.QueryParam("path"), User: c.QueryParam("user")}
	code, hasCode, err := queryInt(c, "code")
	if err != nil {
		return adminError(c, http.StatusBadRequest, err.Error())
	}
	if hasCode {
		f.Code = &code
	}
	if f.Limit, err = queryCount(c, "limit"); err != nil {
		return adminError(c, http.StatusBadRequest, err.Error())
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": s.journal.Entries(f)})
}

// queryCount reads an optional query parameter of 0 or more, 0 when it is absent.
func queryCount(c echo.Context, name string) (int, error) {
	n, _, err := queryInt(c, name)
	if err == nil && n < 0 {
		err = errors.New(name + " is 0 or more")
	}
	return n, err
}

// queryInt reads an optional integer query parameter.
func queryInt(c echo.Context, name string) (int, bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false, errors.New(name + " is not an integer")
	}
	return n, true, nil
}
