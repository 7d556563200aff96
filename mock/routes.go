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
	PathESBCreateSet             = "/api/c/compapi/v2/cc/create_set/"
	PathV3CreateSet              = "/api/v3/set/:bk_biz_id"
	PathESBSearchSet             = "/api/c/compapi/v2/cc/search_set/"
	PathV3SearchSet              = "/api/v3/set/search/:bk_supplier_account/:bk_biz_id"
	PathESBDeleteSet             = "/api/c/compapi/v2/cc/delete_set/"
	PathV3DeleteSet              = "/api/v3/set/:bk_biz_id/:bk_set_id"
	PathESBUpdateSet             = "/api/c/compapi/v2/cc/update_set/"
	PathV3UpdateSet              = PathV3DeleteSet // with PUT
	PathESBBatchDeleteSet        = "/api/c/compapi/v2/cc/batch_delete_set/"
	PathV3BatchDeleteSet         = "/api/v3/set/:bk_biz_id/batch"
	PathESBSearchObjectAttribute = "/api/c/compapi/v2/cc/search_object_attribute/"
	PathV3SearchObjectAttribute  = "/api/v3/find/objectattr"
	PathESBGetMainlineObjectTopo = "/api/c/compapi/v2/cc/get_mainline_object_topo/"
	PathV3GetMainlineObjectTopo  = "/api/v3/find/topomodelmainline"
	PathESBSearchBizInstTopo     = "/api/c/compapi/v2/cc/search_biz_inst_topo/"
	PathV3SearchBizInstTopo      = "/api/v3/find/topoinst/biz/:bk_biz_id"
	PathOpenAPI                  = "/openapi.yaml"
	PathHealth                   = "/healthz"
	PathMetrics                  = "/metrics"
	PathAdmin                    = "/__mock"
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
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderContentType, spec.HeaderAuthorization, spec.HeaderESBLanguage, spec.HeaderV3Language, spec.HeaderV3Language314},
			ExposeHeaders: []string{spec.HeaderRequestID, spec.HeaderGatewayID},
		}))
	}

	// The CMDB calls: an operation (create_set.go, ...) on each of its routes. ESB serves its
	// paths with and without the trailing slash, by GET (arguments in the query string) and
	// POST, as it routes every component (reference §1).
	// v3 routes answer at their own paths and under the API gateway's layout,
	// /api/bk-cmdb/{stage}/..., which the gateway SDKs build (reference §1).
	v3 := func(method, path string, op func(*call) answer) {
		e.Add(method, path, s.cmdbRoute(spec.SurfaceV3, op))
		e.Add(method, PathGateway+path, s.cmdbRoute(spec.SurfaceV3, op))
	}
	esb := func(path string, op func(*call) answer) {
		for _, p := range []string{path, strings.TrimSuffix(path, "/")} {
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				e.Add(m, p, s.cmdbRoute(spec.SurfaceESB, op))
			}
		}
	}
	esb(PathESBCreateSet, s.createSet)
	v3(http.MethodPost, PathV3CreateSet, s.createSet)
	esb(PathESBSearchSet, s.searchSet)
	v3(http.MethodPost, PathV3SearchSet, s.searchSet)
	esb(PathESBUpdateSet, s.updateSet)
	v3(http.MethodPut, PathV3UpdateSet, s.updateSet)
	esb(PathESBDeleteSet, s.deleteSet)
	v3(http.MethodDelete, PathV3DeleteSet, s.deleteSet)
	esb(PathESBBatchDeleteSet, s.batchDeleteSet)
	v3(http.MethodDelete, PathV3BatchDeleteSet, s.batchDeleteSet)
	esb(PathESBSearchObjectAttribute, s.searchObjectAttribute)
	v3(http.MethodPost, PathV3SearchObjectAttribute, s.searchObjectAttribute)
	esb(PathESBGetMainlineObjectTopo, s.getMainlineObjectTopo)
	v3(http.MethodPost, PathV3GetMainlineObjectTopo, s.getMainlineObjectTopo)
	esb(PathESBSearchBizInstTopo, s.searchBizInstTopo)
	v3(http.MethodPost, PathV3SearchBizInstTopo, s.searchBizInstTopo)

	e.GET(PathOpenAPI, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", s.document)
	})
	e.GET(PathHealth, func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET(PathMetrics, echo.WrapHandler(s.metrics.handler()))
	s.adminRoutes(e.Group(PathAdmin, s.adminOnly))
	return e
}
