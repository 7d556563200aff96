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
	PathESBCreateModule          = "/api/c/compapi/v2/cc/create_module/"
	PathV3CreateModule           = "/api/v3/module/:bk_biz_id/:bk_set_id"
	PathESBUpdateModule          = "/api/c/compapi/v2/cc/update_module/"
	PathV3UpdateModule           = "/api/v3/module/:bk_biz_id/:bk_set_id/:bk_module_id"
	PathESBDeleteModule          = "/api/c/compapi/v2/cc/delete_module/"
	PathV3DeleteModule           = PathV3UpdateModule // with DELETE
	PathESBSearchModule          = "/api/c/compapi/v2/cc/search_module/"
	PathV3SearchModule           = "/api/v3/module/search/:bk_supplier_account/:bk_biz_id/:bk_set_id"
	PathESBFindModuleBatch       = "/api/c/compapi/v2/cc/find_module_batch/"
	PathV3FindModuleBatch        = "/api/v3/findmany/module/bk_biz_id/:bk_biz_id"
	PathESBGetBizInternalModule  = "/api/c/compapi/v2/cc/get_biz_internal_module/"
	PathV3GetBizInternalModule   = "/api/v3/topo/internal/:bk_supplier_account/:bk_biz_id"
	PathESBSearchBusiness        = "/api/c/compapi/v2/cc/search_business/"
	PathV3SearchBusiness         = "/api/v3/biz/search/:bk_supplier_account"
	PathESBFindSetBatch          = "/api/c/compapi/v2/cc/find_set_batch/"
	PathV3FindSetBatch           = "/api/v3/findmany/set/bk_biz_id/:bk_biz_id"
	PathESBFindTopoNodePaths     = "/api/c/compapi/v2/cc/find_topo_node_paths/"
	PathV3FindTopoNodePaths      = "/api/v3/cache/find/cache/topo/node_path/biz/:bk_biz_id"
	PathESBCreateInst            = "/api/c/compapi/v2/cc/create_inst/"
	PathV3CreateInst             = "/api/v3/create/instance/object/:bk_obj_id"
	PathESBDeleteInst            = "/api/c/compapi/v2/cc/delete_inst/"
	PathV3DeleteInst             = "/api/v3/delete/instance/object/:bk_obj_id/inst/:bk_inst_id"
	PathOpenAPI                  = "/openapi.yaml"
	PathHealth                   = "/healthz"
	PathMetrics                  = "/metrics"
	PathAdmin                    = "/__mock"
	// PathGateway is the API gateway's prefix of CMDB's resources: the gateway bk-cmdb and a
	// stage, whatever its name.
	PathGateway = "/api/bk-cmdb/:stage"
)

// routes are the mock's routes: the CMDB calls, the document, health, metrics and the admin API.
func (s *Server) routes() (*echo.Echo, error) {
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
			AllowOrigins: s.cfg.CORSOrigins,
			AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete},
			AllowHeaders: []string{echo.HeaderContentType, spec.HeaderAuthorization, spec.HeaderESBLanguage, spec.HeaderV3Language,
				spec.HeaderV3Language314, spec.HeaderRequestID},
			// What the gateway adds to an answer for its caller to read.
			ExposeHeaders: []string{spec.HeaderRequestID, spec.HeaderGatewayID, spec.HeaderGatewayErrorCode, spec.HeaderGatewayErrorMessage,
				spec.HeaderRateLimit, spec.HeaderRateLimitRemaining, spec.HeaderRateLimitReset, spec.HeaderRateLimitPlugin},
		}))
	}

	// The CMDB calls: an operation (create_set.go, ...) with its steps bound, on each of its
	// routes. ESB serves its paths with and without the trailing slash, by GET (arguments in
	// the query string) and POST, as it routes every component (reference §1). v3 routes answer
	// at their own paths and under the API gateway's layout, /api/bk-cmdb/{stage}/..., which
	// the gateway SDKs build (reference §1).
	rules, err := s.rules()
	if err != nil {
		return nil, err
	}
	bound := map[spec.Call]*operation{}
	route := func(op operation, esbPath string, v3 ...string) {
		if err != nil {
			return
		}
		var o *operation
		if o, err = s.bind(rules, op); err != nil {
			return
		}
		bound[op.op] = o
		for _, p := range []string{esbPath, strings.TrimSuffix(esbPath, "/")} {
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				e.Add(m, p, s.cmdbRoute(spec.SurfaceESB, o))
			}
		}
		for i := 0; i < len(v3); i += 2 {
			method, path := v3[i], v3[i+1]
			e.Add(method, path, s.cmdbRoute(spec.SurfaceV3, o))
			e.Add(method, PathGateway+path, s.cmdbRoute(spec.SurfaceV3, o))
		}
	}
	route(s.createSetOp(), PathESBCreateSet, http.MethodPost, PathV3CreateSet)
	route(s.searchSetOp(), PathESBSearchSet, http.MethodPost, PathV3SearchSet)
	route(s.updateSetOp(), PathESBUpdateSet, http.MethodPut, PathV3UpdateSet)
	route(s.deleteSetOp(), PathESBDeleteSet, http.MethodDelete, PathV3DeleteSet)
	route(s.batchDeleteSetOp(), PathESBBatchDeleteSet, http.MethodDelete, PathV3BatchDeleteSet)
	route(s.searchObjectAttributeOp(), PathESBSearchObjectAttribute, http.MethodPost, PathV3SearchObjectAttribute)
	route(s.getMainlineObjectTopoOp(), PathESBGetMainlineObjectTopo, http.MethodPost, PathV3GetMainlineObjectTopo)
	route(s.searchBizInstTopoOp(), PathESBSearchBizInstTopo, http.MethodPost, PathV3SearchBizInstTopo)
	route(s.createModuleOp(), PathESBCreateModule, http.MethodPost, PathV3CreateModule)
	route(s.updateModuleOp(), PathESBUpdateModule, http.MethodPut, PathV3UpdateModule)
	route(s.deleteModuleOp(), PathESBDeleteModule, http.MethodDelete, PathV3DeleteModule)
	route(s.searchModuleOp(), PathESBSearchModule, http.MethodPost, PathV3SearchModule)
	route(s.findModuleBatchOp(), PathESBFindModuleBatch, http.MethodPost, PathV3FindModuleBatch)
	route(s.getBizInternalModuleOp(), PathESBGetBizInternalModule, http.MethodGet, PathV3GetBizInternalModule)
	route(s.searchBusinessOp(), PathESBSearchBusiness, http.MethodPost, PathV3SearchBusiness)
	route(s.findSetBatchOp(), PathESBFindSetBatch, http.MethodPost, PathV3FindSetBatch)
	route(s.findTopoNodePathsOp(), PathESBFindTopoNodePaths, http.MethodPost, PathV3FindTopoNodePaths)
	route(s.createInstOp(), PathESBCreateInst, http.MethodPost, PathV3CreateInst)
	route(s.deleteInstOp(), PathESBDeleteInst, http.MethodDelete, PathV3DeleteInst)
	if err != nil {
		return nil, err
	}
	if err := checkRulesUsed(rules, bound); err != nil {
		return nil, err
	}

	e.GET(PathOpenAPI, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", s.document)
	})
	e.GET(PathHealth, func(c echo.Context) error {
		if s.shared != nil {
			if err := s.shared.health(); err != nil {
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "the shared store is unavailable: " + err.Error()})
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET(PathMetrics, echo.WrapHandler(s.metrics.handler()))
	s.adminRoutes(e.Group(PathAdmin, s.adminOnly))
	s.uiRoutes(e)
	return e, nil
}
