package mock

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/cmdbmock/cmdbmock/spec"
)

// Routes of the mock.
const (
	PathESBCreateSet = "/api/c/compapi/v2/cc/create_set/"
	PathV3CreateSet  = "/api/v3/set/:bk_biz_id"
	PathESBSearchSet = "/api/c/compapi/v2/cc/search_set/"
	PathV3SearchSet  = "/api/v3/set/search/:bk_supplier_account/:bk_biz_id"
	PathESBDeleteSet = "/api/c/compapi/v2/cc/delete_set/"
	PathV3DeleteSet  = "/api/v3/set/:bk_biz_id/:bk_set_id"
	PathOpenAPI      = "/openapi.yaml"
	PathHealth       = "/healthz"
	PathMetrics      = "/metrics"
	PathAdmin        = "/__mock"
	// PathGateway is the API gateway's prefix of CMDB's resources: the gateway bk-cmdb and a
	// stage, whatever its name.
	PathGateway = "/api/bk-cmdb/:stage"
)

// routes are the mock's routes: the CMDB calls, the document, health, metrics and the admin API.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.routingError
	if len(s.cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			// The admin API is never open to other origins, whatever the CMDB routes allow.
			Skipper: func(c echo.Context) bool {
				p := c.Request().URL.Path
				return p == PathAdmin || strings.HasPrefix(p, PathAdmin+"/")
			},
			AllowOrigins:  s.cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderContentType, spec.HeaderAuthorization, spec.HeaderESBLanguage, spec.HeaderV3Language, spec.HeaderV3Language314},
			ExposeHeaders: []string{spec.HeaderRequestID, spec.HeaderGatewayID},
		}))
	}

	// The CMDB calls: an operation (create_set.go, ...) on each of its routes. ESB serves its
	// paths with and without the trailing slash.
	// v3 routes answer at their own paths and under the API gateway's layout,
	// /api/bk-cmdb/{stage}/..., which the gateway SDKs build (reference §1).
	v3 := func(method, path string, op func(*call) answer) {
		e.Add(method, path, s.cmdbRoute(spec.SurfaceV3, op))
		e.Add(method, PathGateway+path, s.cmdbRoute(spec.SurfaceV3, op))
	}
	esb := func(path string, op func(*call) answer, methods ...string) {
		for _, p := range []string{path, strings.TrimSuffix(path, "/")} {
			for _, m := range methods {
				e.Add(m, p, s.cmdbRoute(spec.SurfaceESB, op))
			}
		}
	}
	esb(PathESBCreateSet, s.createSet, http.MethodPost, http.MethodGet)
	v3(http.MethodPost, PathV3CreateSet, s.createSet)
	esb(PathESBSearchSet, s.searchSet, http.MethodPost)
	v3(http.MethodPost, PathV3SearchSet, s.searchSet)
	esb(PathESBDeleteSet, s.deleteSet, http.MethodPost)
	v3(http.MethodDelete, PathV3DeleteSet, s.deleteSet)

	e.GET(PathOpenAPI, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", spec.Document())
	})
	e.GET(PathHealth, func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET(PathMetrics, echo.WrapHandler(s.metrics.handler()))
	s.adminRoutes(e.Group(PathAdmin, s.adminOnly))
	return e
}
