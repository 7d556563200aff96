package mock

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Every read of sets, modules and businesses, whatever call makes it, is answered by CMDB's core
// service (ReadInstance and ReadInstanceStruct both ask its SearchModelInstances), which adds
// default to the fields asked for and names the built-in instances in the request's language by
// their default (bk-cmdb src/source_controller/coreservice/service/instances.go:71-100,
// src/source_controller/coreservice/multilingual/buildin_instance.go:29-73,
// src/apimachinery/coreservice/instance/api.go:150-160,219-230 @111e7ac).

// coreFields are the fields a read asks the core service for: default added when a field is
// named, as SearchModelInstances adds it for the objects whose built-in names it translates.
func coreFields(fields []string) []string {
	if len(fields) > 1 || len(fields) == 1 && fields[0] != "" {
		return append(slices.Clip(fields), "default")
	}
	return fields
}

// builtInName is a built-in instance's name in each language (bk-cmdb
// resources/language/default/inst.json:2-6, resources/language/en/inst.json:2-6 @111e7ac), and
// the field that holds it.
type builtInName struct{ field, zh, en string }

func (n builtInName) in(lang spec.Lang) string {
	if lang == spec.English {
		return n.en
	}
	return n.zh
}

// builtInNames are the built-in instances' names by object and default.
var builtInNames = map[string]map[string]builtInName{
	"module": {
		"1": {"bk_module_name", "空闲机", "idle host"},
		"2": {"bk_module_name", "故障机", "fault host"},
		"3": {"bk_module_name", "待回收", "recycle host"},
	},
	"biz": {"1": {"bk_biz_name", "资源池", "resource pool"}},
	"set": {"1": {"bk_set_name", idlePool, idlePoolEn}},
}

// idlePool is the built-in idle set's name, and its English name.
const idlePool, idlePoolEn = "空闲机池", "idle pool"

// builtInModules are the names the built-in modules are stored with, as TranslateInstanceName
// compares them (bk-cmdb src/common/definitions.go:288-293 @111e7ac; the idle pool's, 881-882).
var builtInModules = []string{"空闲机", "故障机", "待回收"}

// keepsItsName reports whether TranslateInstanceName leaves a record's name alone: when it holds
// a module name that is not a built-in module's, or a set name that is not the idle pool's. A
// business's name is not looked at.
func keepsItsName(module any, hasModule bool, set any, hasSet bool) bool {
	name, _ := module.(string)
	return hasModule && !slices.Contains(builtInModules, name) || hasSet && set != idlePool
}

// translateBuiltIn names the built-in instances of obj among recs in lang: each that does not
// keep its name and whose default is a built-in one's gets the built-in name, in a field the
// fields asked for may not have held.
func translateBuiltIn(obj string, recs []topo.Record, lang spec.Lang) {
	names := builtInNames[obj]
	for _, rec := range recs {
		module, hasModule := rec["bk_module_name"]
		set, hasSet := rec["bk_set_name"]
		if keepsItsName(module, hasModule, set, hasSet) {
			continue
		}
		if n, ok := names[fmt.Sprint(rec["default"])]; ok {
			rec[n.field] = n.in(lang)
		}
	}
}

// builtInNameOf is the name translateBuiltIn gives an instance of obj whose record holds its
// name and default.
func builtInNameOf(obj string, def int64, name string, lang spec.Lang) string {
	if keepsItsName(name, obj == "module", name, obj == "set") {
		return name
	}
	if n, ok := builtInNames[obj][strconv.FormatInt(def, 10)]; ok {
		return n.in(lang)
	}
	return name
}
