package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestModulesHoldingHostsAreNotDeleted holds reference §9, §11.7 (D6) and §12.5: a delete that
// would take a module holding hosts is refused with 1101030 and deletes nothing, whichever call
// and surface makes it; an update of the module keeps its hosts; with 0 hosts again the deletes
// go through.
func TestModulesHoldingHostsAreNotDeleted(t *testing.T) {
	s := regionServer(t, mock.Config{})
	// Business 3: region r1 (201) > zone z1 (202) > sets a and b, module m in a.
	a, m := setWithModule(t, s, 3, 202, "a")
	b, _ := setWithModule(t, s, 3, 202, "b")
	moduleID, _ := m.Int64()
	placed, err := s.PlaceHosts(context.Background(), moduleID, 2)
	require.NoError(t, err)
	assert.Equal(t, "m", placed.Name)
	assert.Equal(t, int64(2), s.Store().Hosts(moduleID))

	// Each refused with 1101030 and "Having hosts under the target, deleting forbidden" (in
	// Chinese: the fidelity table's D6).
	cases := []struct {
		name string
		send func() reply
	}{
		{"delete_set, ESB", func() reply {
			return esbCall(t, s, mock.PathESBDeleteSet, map[string]any{"bk_biz_id": 3, "bk_set_id": json.Number(a)})
		}},
		{"delete_set, v3", func() reply { return v3Call(t, s, http.MethodDelete, "/api/v3/set/3/"+a, "") }},
		{"batch_delete_set of both sets", func() reply {
			return v3Call(t, s, http.MethodDelete, "/api/v3/set/3/batch", `{"delete":{"inst_ids":[`+b+`,`+a+`]}}`)
		}},
		{"batch_delete_set of the whole business", func() reply { return v3Call(t, s, http.MethodDelete, "/api/v3/set/3/batch", `{}`) }},
		{"delete_module, ESB", func() reply {
			return esbCall(t, s, mock.PathESBDeleteModule, map[string]any{"bk_biz_id": 3, "bk_set_id": json.Number(a), "bk_module_id": m})
		}},
		{"delete_module, v3", func() reply { return v3Call(t, s, http.MethodDelete, "/api/v3/module/3/"+a+"/"+m.String(), "") }},
		{"delete_inst of the zone above", func() reply {
			return v3Call(t, s, http.MethodDelete, "/api/v3/delete/instance/object/zone/inst/202", "")
		}},
		{"delete_inst of the region above, ESB", func() reply {
			return esbCall(t, s, mock.PathESBDeleteInst, map[string]any{"bk_biz_id": 3, "bk_obj_id": "region", "bk_inst_id": 201})
		}},
	}
	kept := func(t *testing.T) {
		t.Helper()
		for _, id := range []string{a, b} {
			n, _ := strconv.ParseInt(id, 10, 64)
			_, ok := s.Store().Get(n)
			assert.True(t, ok, "set %s is kept", id)
		}
		_, ok := s.Store().Module(moduleID)
		assert.True(t, ok, "module m is kept")
		_, ok = s.Store().Node(202)
		assert.True(t, ok, "zone z1 is kept")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			assert.Equal(t, 1101030, r.Code, "%s", r.Raw)
			assert.Equal(t, "Having hosts under the target, deleting forbidden", r.Message)
			assert.False(t, r.Result)
			kept(t)
		})
	}

	// An update of the module moves no host.
	r := callReq{call: spec.CallUpdateModule, surface: "v3", biz: 3, set: a, module: m, data: map[string]any{"bk_module_name": "m2"}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	r = v3Call(t, s, http.MethodDelete, "/api/v3/module/3/"+a+"/"+m.String(), "")
	assert.Equal(t, 1101030, r.Code, "the renamed module still holds its hosts: %s", r.Raw)

	// Without hosts, the delete of the region takes all below it.
	_, err = s.PlaceHosts(context.Background(), moduleID, 0)
	require.NoError(t, err)
	r = v3Call(t, s, http.MethodDelete, "/api/v3/delete/instance/object/region/inst/201", "")
	require.True(t, r.Result, "%s", r.Raw)
	_, ok := s.Store().Module(moduleID)
	assert.False(t, ok, "module m went with the region")
	_, ok = s.Store().Node(202)
	assert.False(t, ok, "zone z1 went with the region")
}

// setWithModule makes a set of the name under parent in a business, and a module "m" in it,
// through the gateway's routes; it returns their ids.
func setWithModule(t *testing.T, s http.Handler, biz, parent int, name string) (set string, module json.Number) {
	t.Helper()
	r := req{surface: "v3", lang: "en", biz: biz, data: map[string]any{"bk_parent_id": parent, "bk_set_name": name}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	set = r.Data["bk_set_id"].(json.Number).String()
	r = callReq{call: spec.CallCreateModule, surface: "v3", biz: biz, set: set, data: map[string]any{"bk_parent_id": json.Number(set), "bk_module_name": "m"}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	return set, r.Data["bk_module_id"].(json.Number)
}

// TestBuiltInRefusesBeforeHosts: CMDB counts the built-in sets of a delete before the delete
// looks for hosts (bk-cmdb src/scene_server/topo_server/service/inst_set.go:168-180 @111e7ac,
// then src/scene_server/topo_server/logics/inst/inst.go:641-647), and a built-in module refuses
// before its hosts (§11.7 D5, D6).
func TestBuiltInRefusesBeforeHosts(t *testing.T) {
	s := newServer(t, mock.Config{})
	web, module := setWithModule(t, s, 2, 2, "web")
	m, _ := module.Int64()
	for _, id := range []int64{m, 4} { // 4: 空闲机 of the idle set 2
		_, err := s.PlaceHosts(context.Background(), id, 1)
		require.NoError(t, err)
	}
	r := v3Call(t, s, http.MethodDelete, "/api/v3/set/2/batch", `{"delete":{"inst_ids":[`+web+`,2]}}`)
	assert.Equal(t, 1101098, r.Code, "%s", r.Raw)
	r = v3Call(t, s, http.MethodDelete, "/api/v3/module/2/2/4", "")
	assert.Equal(t, 1101098, r.Code, "%s", r.Raw)
	r = v3Call(t, s, http.MethodDelete, "/api/v3/set/2/batch", `{"delete":{"inst_ids":[`+web+`]}}`)
	assert.Equal(t, 1101030, r.Code, "%s", r.Raw)
}

// TestPlaceHosts: hosts are placed in a module by id, whatever its set; fewer than none and a
// module that is not there are refused.
func TestPlaceHosts(t *testing.T) {
	s := newServer(t, mock.Config{})
	placed, err := s.PlaceHosts(context.Background(), 5, 7) // 故障机 of business 2's idle set
	require.NoError(t, err)
	assert.Equal(t, int64(7), s.Store().Hosts(5))
	assert.Equal(t, int64(2), placed.SetID)
	assert.Equal(t, "故障机", placed.Name)
	_, err = s.PlaceHosts(context.Background(), 5, -1)
	assert.ErrorIs(t, err, mock.ErrHostsNegative)
	_, err = s.PlaceHosts(context.Background(), 999, 1)
	assert.ErrorContains(t, err, "no such module")

	var out map[string]any
	require.Equal(t, http.StatusOK, admin(t, s, http.MethodPut, "/__mock/modules/6/hosts", `{"hosts":4}`, &out))
	assert.Equal(t, map[string]any{"bk_module_id": 6.0, "bk_module_name": "待回收", "bk_set_id": 2.0, "bk_biz_id": 2.0, "hosts": 4.0}, out)
	assert.Equal(t, int64(4), s.Store().Hosts(6))
}

// TestHostsOfTheFixturesAndTheState: a module's hosts come from the fixtures and come back with a
// reset, and a saved state keeps what was placed since.
func TestHostsOfTheFixturesAndTheState(t *testing.T) {
	fx, err := fixtures.Load(fstest.MapFS{"businesses.json": {Data: []byte(`[
		{"bk_biz_id":2,"bk_biz_name":"blue","sets":[
			{"bk_set_id":2,"bk_set_name":"空闲机池","default":1,"modules":[{"bk_module_id":4,"bk_module_name":"空闲机","default":1}]},
			{"bk_set_id":3,"bk_set_name":"web","modules":[{"bk_module_id":5,"bk_module_name":"nginx","hosts":3},{"bk_module_id":6,"bk_module_name":"db"}]}]}]`)}})
	require.NoError(t, err)
	state := filepath.Join(t.TempDir(), "state.json")
	start := func() *mock.Server {
		s, err := mock.New(loadSpec(), fx, mock.Config{StateFile: state})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		return s
	}
	deleteModule := func(s *mock.Server, id string) int {
		return v3Call(t, s, http.MethodDelete, "/api/v3/module/2/3/"+id, "").Code
	}

	s := start()
	assert.Equal(t, 1101030, deleteModule(s, "5"), "the fixtures' hosts")
	_, err = s.PlaceHosts(context.Background(), 5, 0)
	require.NoError(t, err)
	require.NoError(t, s.Reset())
	assert.Equal(t, 1101030, deleteModule(s, "5"), "a reset brings the fixtures' hosts back")

	_, err = s.PlaceHosts(context.Background(), 6, 1)
	require.NoError(t, err)
	require.NoError(t, s.SaveState())
	s = start()
	assert.Equal(t, 1101030, deleteModule(s, "6"), "the saved state's hosts")
	assert.Equal(t, 1101030, deleteModule(s, "5"))
}
