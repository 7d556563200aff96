package mock

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// maxBatchIDs is how many ids a batch find takes at most (bk-cmdb src/common/definitions.go:57).
const maxBatchIDs = 500

// batchArgs are the arguments of a batch find: how many ids it sent, the ids de-duplicated, and
// the fields.
type batchArgs struct {
	sent   int
	ids    []int64
	fields []string
}

// readRules check the arguments of the read calls as CMDB decodes them (reference §11.8,
// §12.2, §12.3): a search's condition, fields and page, a batch's ids and fields, and the
// business of their paths, whose bad values each call words its own way.
func (s *Server) readRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepSearchShape: func(c *call) *failure {
			if f := searchShape(c, "", nil); f != nil {
				return f
			}
			if v, sent := c.args()["bk_set_id"]; sent && v != nil && c.surface == spec.SurfaceV3 {
				if _, ok := jsonx.Int(v); !ok {
					return fail(spec.MsgJSONDecode)
				}
			}
			return nil
		},
		// search_set decodes its body as CMDB's SearchSetFilter, the filter as pkg/filter's
		// Expression (filter.go); ESB's form forwards no filter.
		spec.StepSetSearchShape: func(c *call) *failure {
			return cmp.Or(searchShape(c, "filter", decodeFilter), s.decodeTimes(c))
		},
		// search_business decodes its body as CMDB's QueryBusinessRequest, biz_property_filter
		// as querybuilder's QueryFilter (biz_property_filter.go).
		spec.StepBizSearchShape: func(c *call) *failure {
			return cmp.Or(searchShape(c, "biz_property_filter", decodeBizFilter), s.decodeTimes(c))
		},
		// MergeTimeCondition, in the core service, once the topo server's checks are passed.
		spec.StepTimeCondition: func(c *call) *failure {
			if c.when == nil {
				return nil
			}
			var f *failure
			c.times, f = c.when.mongo()
			return f
		},
		// SearchSetFilter.Validate and GetCond (bk-cmdb src/common/metadata/toposerver.go:810-850 @111e7ac).
		spec.StepSetFilter: func(c *call) *failure {
			if c.filter == nil {
				return nil
			}
			if c.query.Condition != nil {
				return fail(spec.MsgInvalidOrNone, "condition and filter cannot be set at the same time")
			}
			if !c.filter.valid(filterDepth) {
				return fail(spec.MsgInvalidOrNone, "filter: "+filterText(c.filter))
			}
			cond, err := c.filter.mongo(filterScope{zone: s.cfg.Location})
			if err != nil {
				return fail(spec.MsgInvalidOrNone, err.Error()+", filter: "+filterText(c.filter))
			}
			c.query.Condition = cond // in place of a condition, which does not come with it
			return nil
		},
		spec.StepBatchShape: func(c *call) *failure {
			args := c.args()
			var b batchArgs
			if v, sent := args["bk_ids"]; sent && v != nil {
				list, ok := v.([]any)
				if !ok {
					return fail(spec.MsgJSONDecode)
				}
				b.sent = len(list)
				seen := make(map[int64]bool, min(len(list), maxBatchIDs))
				for _, x := range list {
					id, ok := jsonx.Int(x)
					if !ok {
						return fail(spec.MsgJSONDecode)
					}
					if !seen[id] && len(list) <= maxBatchIDs { // a longer list S2 refuses
						seen[id] = true
						b.ids = append(b.ids, id)
					}
				}
			}
			if v, sent := args["fields"]; sent && v != nil {
				list, ok := v.([]any)
				if !ok {
					return fail(spec.MsgJSONDecode)
				}
				for _, x := range list {
					f, ok := x.(string)
					if !ok {
						return fail(spec.MsgJSONDecode)
					}
					b.fields = append(b.fields, f)
				}
			}
			c.batch = b
			return nil
		},
		spec.StepBatchIDs: func(c *call) *failure {
			// The list as sent: CMDB checks its length before it merges repeated ids.
			if n := c.batch.sent; n == 0 || n > maxBatchIDs {
				return fail(spec.MsgIDsLength)
			}
			return nil
		},
		spec.StepBatchFields: func(c *call) *failure {
			if len(c.batch.fields) == 0 {
				return fail(spec.MsgInvalid, "fields")
			}
			return nil
		},
		spec.StepBatchBizPath:    s.bizPathAs(func(*call, error) *failure { return fail(spec.MsgInvalid, "bk_biz_id") }),
		spec.StepSetBatchBizPath: s.bizPathAs(func(_ *call, err error) *failure { return fail(spec.MsgRaw, err.Error()) }),
		// The raw parse error, as CMDB writes it (strconv.ParseInt: parsing "abc": invalid syntax).
		spec.StepInternalBizPath: s.bizPathAs(func(_ *call, err error) *failure { return fail(spec.MsgRawTopo, err.Error()) }),
	}
}

// bizPathAs reads the business id of the path when IAM is off (IAM's own check read it when
// on), and answers a bad one with bad's failure.
func (s *Server) bizPathAs(bad func(*call, error) *failure) rule {
	return func(c *call) *failure {
		if !s.cfg.IAMOff {
			return nil
		}
		id, err := strconv.ParseInt(c.bizPath, 10, 64)
		if err != nil {
			return bad(c, err)
		}
		c.bizID = id
		return nil
	}
}

// searchShape decodes a search's body as CMDB does: its condition, fields and page, and the
// filter the call reads under key, if any, with decode; a body it cannot decode is 1199000.
func searchShape(c *call, key string, decode func(any) (filterRule, bool)) *failure {
	args := c.args()
	if c.surface == spec.SurfaceESB {
		args = formValues(args, c.op.form)
	}
	q, ok := searchQuery(args)
	if !ok {
		return fail(spec.MsgJSONDecode)
	}
	if v := args[key]; key != "" && v != nil {
		f, ok := decode(v)
		if !ok {
			return fail(spec.MsgJSONDecode)
		}
		c.filter = f
	}
	c.query = q
	return nil
}

// searchQuery reads a search's condition, fields and page; false when one is not of its shape.
func searchQuery(args map[string]any) (q topo.Query, ok bool) {
	if v, ok := args["condition"]; ok && v != nil {
		if q.Condition, ok = v.(map[string]any); !ok {
			return q, false
		}
	}
	if v, ok := args["fields"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return q, false
		}
		for _, f := range list {
			name, ok := f.(string)
			if !ok {
				return q, false
			}
			q.Fields = append(q.Fields, name)
		}
	}
	if v, ok := args["page"]; ok && v != nil {
		page, ok := v.(map[string]any)
		if !ok {
			return q, false
		}
		for _, f := range [...]struct {
			key  string
			into *int
		}{{"start", &q.Start}, {"limit", &q.Limit}} {
			if n, present := page[f.key]; present {
				i, err := strconv.Atoi(string(asNumber(n)))
				if err != nil || i < 0 {
					return q, false
				}
				*f.into = i
			}
		}
		if v, present := page["sort"]; present {
			sort, ok := v.(string)
			if !ok {
				return q, false
			}
			q.Sort = sortKeys(sort)
		}
	}
	return q, true
}

func asNumber(v any) json.Number {
	n, _ := v.(json.Number)
	return n
}

// sortKeys is a sort as CMDB hands it to MongoDB, written as topo reads one: "-f" descending,
// "f" ascending, comma-separated. CMDB reads a comma list of "f", "+f", "-f", "f:1" or "f:-1",
// each trimmed of spaces (bk-cmdb src/storage/dal/mongo/local/mongo.go:398-423 @111e7ac).
func sortKeys(sort string) string {
	if sort == "" {
		return ""
	}
	keys := strings.Split(sort, ",")
	for i, item := range keys {
		key, flag, hasFlag := strings.Cut(strings.TrimSpace(item), ":")
		desc := strings.HasPrefix(key, "-")
		if hasFlag {
			desc = strings.TrimSpace(flag) == "-1"
		}
		if key = strings.TrimLeft(key, "+-"); desc && key != "" {
			key = "-" + key
		}
		keys[i] = key
	}
	return strings.Join(keys, ",")
}

// decodeTimes decodes the body's time_condition, which ESB's forms do not forward.
func (s *Server) decodeTimes(c *call) *failure {
	v := c.args()["time_condition"]
	if c.surface == spec.SurfaceESB || v == nil {
		return nil
	}
	when, ok := decodeTimeCondition(v, s.cfg.Location)
	if !ok {
		return fail(spec.MsgJSONDecode)
	}
	c.when = when
	return nil
}

// formValues are ESB's arguments as the form of a call that has one forwards them: its fields
// that were sent, and only those (get_cleaned_data_when_exist), an empty one (null, "", [] or
// {}) as an empty list or dict (forms.py TypeCheckField). A call without a form forwards what it
// was sent.
func formValues(args map[string]any, form []formField) map[string]any {
	if form == nil {
		return args
	}
	out := make(map[string]any, len(form))
	for _, f := range form {
		v, present := args[f.name]
		switch {
		case !present:
		case !emptyValue(v, present):
			out[f.name] = v
		case f.kind == "list":
			out[f.name] = []any{}
		default:
			out[f.name] = map[string]any{}
		}
	}
	return out
}

// heavyRead waits for one of the few places where reads that build a business's whole tree may
// run at once, so that however many come, the memory they build is bounded and writes keep
// their turn. It reports false when the client went away while it waited.
func (s *Server) heavyRead(ctx context.Context) (release func(), ok bool) {
	select {
	case s.heavy <- struct{}{}:
		return func() { <-s.heavy }, true
	case <-ctx.Done():
		return nil, false
	}
}

// searchFailure is the answer of a search the store refused: a page over the mock's limit, a
// condition it does not read, or a client gone.
func (s *Server) searchFailure(c *call, err error) (answer, bool) {
	switch {
	case err == nil:
		return answer{}, false
	case errors.Is(err, topo.ErrPageTooLarge):
		return c.failure(spec.MsgPageTooLarge, s.cfg.MaxPage), true
	case errors.Is(err, topo.ErrRefusedCondition):
		return c.failure(spec.MsgUnknown), true // MongoDB's error, which CMDB's core service does not name
	case errors.Is(err, topo.ErrBadCondition):
		return c.failure(spec.MsgInvalid, "condition"), true
	}
	return c.failure(spec.MsgCancelled), true
}

// pageWithin bounds the page of a search of a collection of n records that CMDB pages without
// a maximum (the businesses, the models' attributes): no page holds more than there are, so
// none is refused as larger than a page may be.
func pageWithin(q *topo.RecordQuery, n int) {
	n = max(n, 1)
	q.Start, q.Limit, q.MaxPage = min(q.Start, n), min(q.Limit, n), n
}

// record is one record as an answer holds it, written as encoding/json writes it
// (topo.AppendRecord, held to encoding/json by FuzzAppendRecords): a created module's or node's.
// A create_module through the handler took 15.7-18.0 us, 64 allocations and 11.6 KB where
// encoding/json's reflection took 19.1-23.4 us, 108 and 13.8 KB (BenchmarkCreateModule, the two
// test binaries in turns six times, 2026-12-06).
type record topo.Record

func (r record) AppendJSON(b []byte) []byte { return topo.AppendRecord(b, topo.Record(r)) }

// records are a page of records as an answer holds them, written as encoding/json writes them;
// CMDB writes a page that holds nothing as [].
type records []topo.Record

func (r records) AppendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "[]"...)
	}
	return topo.AppendRecords(b, r)
}

// foundPage is a search's answer: how many matched, and the page of them.
type foundPage struct {
	count int
	info  appender
}

// AppendJSON writes the answer as encoding/json writes {"count": count, "info": info}.
func (p foundPage) AppendJSON(b []byte) []byte {
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(p.count), 10)
	b = append(b, `,"info":`...)
	b = p.info.AppendJSON(b)
	return append(b, '}')
}
