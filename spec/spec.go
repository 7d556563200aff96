package spec

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

//go:generate go run ./internal/generate

// document is the contract as written and served; documentJSON is the same, generated from it,
// and what the routes and the answers' checks parse, when first needed (JSON loads in a third of
// the time). The request schemas, which is all serving needs at start, are generated from it as
// Go (request_schemas.go): building them costs no parse.
//
//go:embed openapi.yaml
var document []byte

//go:embed openapi.json
var documentJSON []byte

//go:embed admin.yaml
var adminDocument []byte

// Operation ids of the document, for callers that look an operation up.
const (
	OpESBCreateSet = "esbCreateSet"
	OpV3CreateSet  = "v3CreateSet"
	OpESBSearchSet = "esbSearchSet"
	OpV3SearchSet  = "v3SearchSet"
	OpESBDeleteSet = "esbDeleteSet"
	OpV3DeleteSet  = "v3DeleteSet"

	OpESBUpdateSet             = "esbUpdateSet"
	OpV3UpdateSet              = "v3UpdateSet"
	OpESBBatchDeleteSet        = "esbBatchDeleteSet"
	OpV3BatchDeleteSet         = "v3BatchDeleteSet"
	OpESBSearchObjectAttribute = "esbSearchObjectAttribute"
	OpV3SearchObjectAttribute  = "v3SearchObjectAttribute"
	OpESBGetMainlineObjectTopo = "esbGetMainlineObjectTopo"
	OpV3GetMainlineObjectTopo  = "v3GetMainlineObjectTopo"
	OpESBSearchBizInstTopo     = "esbSearchBizInstTopo"
	OpV3SearchBizInstTopo      = "v3SearchBizInstTopo"
	OpESBCreateModule          = "esbCreateModule"
	OpV3CreateModule           = "v3CreateModule"
	OpESBUpdateModule          = "esbUpdateModule"
	OpV3UpdateModule           = "v3UpdateModule"
	OpESBDeleteModule          = "esbDeleteModule"
	OpV3DeleteModule           = "v3DeleteModule"
	OpESBSearchModule          = "esbSearchModule"
	OpV3SearchModule           = "v3SearchModule"
	OpESBFindModuleBatch       = "esbFindModuleBatch"
	OpV3FindModuleBatch        = "v3FindModuleBatch"
	OpESBGetBizInternalModule  = "esbGetBizInternalModule"
	OpV3GetBizInternalModule   = "v3GetBizInternalModule"
	OpESBSearchBusiness        = "esbSearchBusiness"
	OpV3SearchBusiness         = "v3SearchBusiness"
	OpESBFindSetBatch          = "esbFindSetBatch"
	OpV3FindSetBatch           = "v3FindSetBatch"
	OpESBFindTopoNodePaths     = "esbFindTopoNodePaths"
	OpV3FindTopoNodePaths      = "v3FindTopoNodePaths"
	OpESBCreateInst            = "esbCreateInst"
	OpV3CreateInst             = "v3CreateInst"
	OpESBDeleteInst            = "esbDeleteInst"
	OpV3DeleteInst             = "v3DeleteInst"
)

// Spec is the loaded, validated contract. It is safe for concurrent use and never changes after
// Load.
type Spec struct {
	esbRequest, setData, moduleData, levelData checked
	// whole is the whole document with its routes, loaded on first use: serving needs only the
	// schemas above, and the paths are half the document's bytes and most of its parsing.
	whole func() (*wholeDoc, error)
}

// wholeDoc is the document with its paths, and its operations by id.
type wholeDoc struct {
	doc    *openapi3.T
	routes map[string]*routers.Route
}

// Load builds the request schemas, which serving needs, as kin-openapi loads them from the
// embedded document (request_schemas.go, generated from it: the tests hold the two equal and
// validate the document); each schema's check is compiled when it is first asked for. The rest
// of the document, the paths and the answers' schemas, is parsed and validated when a caller
// first asks for a route or judges an answer, with ctx's values; a document that kin-openapi
// rejects is named there.
func Load(ctx context.Context) *Spec {
	schemas := requestSchemas()
	s := &Spec{
		esbRequest: checkedBy(requestSchema(schemas, "EsbCreateSetRequest")), setData: checkedBy(requestSchema(schemas, "SetCreateData")),
		moduleData: checkedBy(requestSchema(schemas, "ModuleCreateData")), levelData: checkedBy(requestSchema(schemas, "InstanceCreateData")),
	}
	s.whole = sync.OnceValues(func() (*wholeDoc, error) { return loadWhole(context.WithoutCancel(ctx)) })
	return s
}

// requestSchema is a schema of request_schemas.go; one missing is a build that skipped go
// generate, which no start can mend.
func requestSchema(schemas map[string]*openapi3.Schema, name string) *openapi3.Schema {
	s := schemas[name]
	if s == nil {
		panic("spec: request_schemas.go has no schema " + name + ": run go generate ./spec")
	}
	return s
}

// loadDocument parses and validates a document, its servers cleared.
func loadDocument(ctx context.Context, data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("spec: parse openapi.json: %w", err)
	}
	// The examples are checked by the tests (spec_test), not at every start.
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("spec: validate openapi.json: %w", err)
	}
	// The servers block documents the default address only; nothing routes by it.
	doc.Servers = nil
	return doc, nil
}

// loadWhole parses and validates the whole document and finds every operation the contract
// names.
func loadWhole(ctx context.Context) (*wholeDoc, error) {
	doc, err := loadDocument(ctx, documentJSON)
	if err != nil {
		return nil, err
	}
	w := &wholeDoc{doc: doc, routes: map[string]*routers.Route{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			w.routes[op.OperationID] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	for _, id := range []string{OpESBCreateSet, OpV3CreateSet, OpESBSearchSet, OpV3SearchSet, OpESBDeleteSet, OpV3DeleteSet,
		OpESBUpdateSet, OpV3UpdateSet, OpESBBatchDeleteSet, OpV3BatchDeleteSet, OpESBSearchObjectAttribute, OpV3SearchObjectAttribute,
		OpESBGetMainlineObjectTopo, OpV3GetMainlineObjectTopo, OpESBSearchBizInstTopo, OpV3SearchBizInstTopo,
		OpESBCreateModule, OpV3CreateModule, OpESBUpdateModule, OpV3UpdateModule, OpESBDeleteModule, OpV3DeleteModule,
		OpESBSearchModule, OpV3SearchModule, OpESBFindModuleBatch, OpV3FindModuleBatch, OpESBGetBizInternalModule,
		OpV3GetBizInternalModule, OpESBSearchBusiness, OpV3SearchBusiness, OpESBFindSetBatch, OpV3FindSetBatch,
		OpESBFindTopoNodePaths, OpV3FindTopoNodePaths, OpESBCreateInst, OpV3CreateInst, OpESBDeleteInst, OpV3DeleteInst} {
		if w.routes[id] == nil {
			return nil, fmt.Errorf("spec: openapi.yaml has no operation %q", id)
		}
	}
	return w, nil
}

// SetDefaults are the values a created set has for the optional fields a create leaves out, as
// the document gives them (null where it gives none): the fields of SetCreateData but the name,
// the parent and the two the server decides (default, set_template_id).
func (s *Spec) SetDefaults() map[string]any {
	out := map[string]any{}
	for name, p := range s.setData.schema.Properties {
		switch name {
		case "bk_set_name", "bk_parent_id", "default", "set_template_id":
			continue
		}
		out[name] = p.Value.Default
	}
	return out
}

// Route returns the method and path template of an operation, such as
// "POST", "/api/v3/set/{bk_biz_id}".
func (s *Spec) Route(operationID string) (method, path string) {
	w, err := s.whole()
	if err != nil || w.routes[operationID] == nil {
		return "", ""
	}
	r := w.routes[operationID]
	return r.Method, r.Path
}

// Check loads the whole document, paths included, and reports what kin-openapi finds wrong in
// it: what a caller of Route and ValidateResponse would meet.
func (s *Spec) Check() error {
	_, err := s.whole()
	return err
}

// ValidateResponse checks an answer of the operation against the document: status, content type
// and body schema. The route is picked by operation id, so a target behind a path prefix is
// judged as one without.
func (s *Spec) ValidateResponse(ctx context.Context, operationID string, status int, header http.Header, body []byte) error {
	w, err := s.whole()
	if err != nil {
		return err
	}
	route, ok := w.routes[operationID]
	if !ok {
		return fmt.Errorf("spec: unknown operation %q", operationID)
	}
	req, err := http.NewRequestWithContext(ctx, route.Method, route.Path, nil)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(ctx, in)
}

// Document returns the embedded OpenAPI document as written, for serving it.
func Document() []byte { return slices.Clone(document) }

// AdminDocument returns the OpenAPI document of the mock's admin API.
func AdminDocument() []byte { return slices.Clone(adminDocument) }

// OpenAPI returns the whole parsed document, servers cleared, or nil when it does not load
// (Check says why). Callers must not modify it.
func (s *Spec) OpenAPI() *openapi3.T {
	w, err := s.whole()
	if err != nil {
		return nil
	}
	return w.doc
}

// CheckESBRequest validates a decoded ESB body (credentials, bk_biz_id and data). The body of a
// call that makes nothing (creates false: an update, a delete) leaves out what a create
// requires: one with nothing wrong but fields left out takes the partial compiled check alone,
// where the whole one would send it to kin-openapi every time.
func (s *Spec) CheckESBRequest(body any, creates bool) Violations {
	return s.esbRequest.check(body, creates)
}

// The objects whose fields the document describes, for CheckData.
const (
	ObjectSet    = "set"
	ObjectModule = "module"
	ObjectLevel  = "mainline_level" // a custom mainline level's instance
)

// CheckData validates the decoded fields of an object (ObjectSet, ObjectModule, ObjectLevel):
// ESB's data, or the v3 body. Valid fields take the compiled check alone, the partial one for a
// call that makes nothing, as CheckESBRequest.
func (s *Spec) CheckData(object string, data any, creates bool) Violations {
	return s.data(object).check(data, creates)
}

// data is the schema of an object's fields.
func (s *Spec) data(object string) checked {
	switch object {
	case ObjectModule:
		return s.moduleData
	case ObjectLevel:
		return s.levelData
	}
	return s.setData
}

// A Violation is one way a value breaks the document: where, and which schema keyword failed.
type Violation struct {
	// Pointer is the JSON pointer of the offending value, e.g. "/data/bk_set_name".
	Pointer string
	// Keyword is the schema keyword that failed: required, type, pattern, enum, oneOf, ...
	Keyword string
}

// Violations is the full list kin-openapi found; the order of checks decides which is reported.
type Violations []Violation

// At reports whether the value at pointer broke one of the keywords, or any keyword when none
// is named.
func (vs Violations) At(pointer string, keywords ...string) bool {
	for _, v := range vs {
		if v.Pointer == pointer && (len(keywords) == 0 || slices.Contains(keywords, v.Keyword)) {
			return true
		}
	}
	return false
}

// Under returns the violations below prefix with the prefix cut off, so that the violations of
// ESB's data read like those of a v3 body.
func (vs Violations) Under(prefix string) Violations {
	var out Violations
	for _, v := range vs {
		if rest, ok := strings.CutPrefix(v.Pointer, prefix); ok && strings.HasPrefix(rest, "/") {
			out = append(out, Violation{Pointer: rest, Keyword: v.Keyword})
		}
	}
	return out
}

// checked is a request schema with the checks compiled from it, whole and partial (without
// required), each the first time it is asked for: a start compiles none of them, and a mock
// that never sees a module's fields never compiles theirs.
type checked struct {
	schema         *openapi3.Schema
	whole, partial func() accept
}

func checkedBy(s *openapi3.Schema) checked {
	return checked{schema: s,
		whole:   sync.OnceValue(func() accept { return compileAccept(s, false) }),
		partial: sync.OnceValue(func() accept { return compileAccept(s, true) })}
}

// check returns nothing for a value the compiled check accepts, the whole one for a call that
// creates, else the partial one (kin-openapi would find nothing in it but fields left out);
// anything else kin-openapi validates, and its findings are the violations.
func (c checked) check(value any, creates bool) Violations {
	fast := c.partial
	if creates {
		fast = c.whole
	}
	if fast()(value) {
		return nil
	}
	err := c.schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	if err == nil {
		return nil
	}
	var out Violations
	flatten(err, &out)
	return out
}

func flatten(err error, out *Violations) {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			flatten(e, out)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := se.JSONPointer()
		*out = append(*out, Violation{Pointer: pointer(ptr), Keyword: se.SchemaField})
		return
	}
	*out = append(*out, Violation{Keyword: err.Error()})
}

// pointerEscapes escapes a JSON pointer's reference token (RFC 6901). One serves every call: a
// Replacer builds its table of a few KB at its first use, and one made for each violation's
// pointer was half of what an update_set allocated (an update's fields lack what a create
// requires, and kin-openapi named that for every update until updates took the partial check).
// update_set through the handler took 15.7-17.2 us and 11.4 KB with one Replacer, against
// 18.9-25.5 us and 24.8 KB (BenchmarkUpdateSet, the test binaries in turns four times,
// 2026-12-06).
var pointerEscapes = strings.NewReplacer("~", "~0", "/", "~1")

func pointer(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(pointerEscapes.Replace(p))
	}
	return b.String()
}
