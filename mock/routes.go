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
)

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
			AllowHeaders:  []string{echo.HeaderContentType, spec.HeaderAuthorization, spec.HeaderESBLanguage, spec.HeaderV3Language},
			ExposeHeaders: []string{spec.HeaderRequestID},
		}))
	}

	on := func(method, path string, op func(*call) answer, surf spec.Surface) {
		e.Add(method, path, s.cmdbRoute(surf, op))
	}
	for _, p := range []string{PathESBCreateSet, PathESBCreateSet[:len(PathESBCreateSet)-1]} {
		on(http.MethodPost, p, s.createSet, spec.SurfaceESB)
		on(http.MethodGet, p, s.createSet, spec.SurfaceESB)
	}
	on(http.MethodPost, PathV3CreateSet, s.createSet, spec.SurfaceV3)
	for _, p := range []string{PathESBSearchSet, PathESBSearchSet[:len(PathESBSearchSet)-1]} {
		on(http.MethodPost, p, s.searchSet, spec.SurfaceESB)
	}
	on(http.MethodPost, PathV3SearchSet, s.searchSet, spec.SurfaceV3)
	for _, p := range []string{PathESBDeleteSet, PathESBDeleteSet[:len(PathESBDeleteSet)-1]} {
		on(http.MethodPost, p, s.deleteSet, spec.SurfaceESB)
	}
	on(http.MethodDelete, PathV3DeleteSet, s.deleteSet, spec.SurfaceV3)

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
