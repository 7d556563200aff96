package topo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// Bounds of a search: whatever a query asks, it costs at most a bounded time per stored set and
// bounded memory.
const (
	MaxTerms       = 100     // tests of a condition (fields and their operators)
	MaxRegexBytes  = 4096    // bytes of a $regex pattern
	MaxSortKeys    = 32      // fields of a sort, MongoDB's bound
	DefaultMaxPage = 10_000  // sets a page holds, when Query.MaxPage is 0
	MaxWindow      = 100_000 // page.start plus the page's size, at most, of a page a search ranks (not one by id)
	scanSlice      = 4096    // slots scanned under one hold of the store's lock
	walkSlice      = 65536   // a business's ids walked under one hold of the lock (walkIDs), 16 bytes each
)

// Errors of Search.
var (
	// ErrBadCondition: the condition is one MongoDB reads and Search does not (an operator it
	// does not evaluate, a pattern Go's regexp cannot read), or is over its bounds.
	ErrBadCondition = errors.New("the search condition is invalid")
	// ErrRefusedCondition: MongoDB itself refuses the condition or the sort (an operator it does
	// not know, an argument of the wrong kind, a pattern PCRE cannot compile), as CMDB's own
	// check refuses $where and $expr.
	ErrRefusedCondition = errors.New("MongoDB refuses the search condition")
	// ErrPageTooLarge: the page asked for (page.limit, or every set from page.start on when
	// the limit is 0) holds more sets than a page may, or reaches too far (page.start).
	ErrPageTooLarge = errors.New("the page asked for is larger than a page may be")
)

// Query selects sets of a business, as search_set does.
type Query struct {
	BizID int64
	// AllBusinesses selects sets of every business in place of BizID's: the admin API's list.
	AllBusinesses bool
	Condition     map[string]any // field -> value, or field -> operators ($eq, $ne, $in, $nin, $regex and $options, $gt, $gte, $lt, $lte, $exists, $size, $not); $and, $or
	Rules         []Rule         // more tests, all of which a set must pass too
	Fields        []string       // empty: every field
	Start         int
	Limit         int    // 0: every set from Start on
	Sort          string // a field, "-field" for descending; "": bk_set_id
	MaxPage       int    // the most sets a page may hold; 0: DefaultMaxPage
	// Owners are the supplier accounts whose sets the caller sees: CMDB looks up owner "0" for
	// a caller of account "0", else "0" and the caller's. Empty: every owner.
	Owners []string
}

// Rule is one test of a search: a field, an operator of Condition's and its argument.
type Rule struct {
	Field, Op string
	Arg       any
}

// visible reports whether a row's owner is one of owners (all are when none is given).
func visible(r *row, owners []string) bool {
	if len(owners) == 0 {
		return true
	}
	return slices.Contains(owners, owner(r))
}

// Search returns how many sets match and the page asked for, cut to the fields asked for. It
// scans the store in slices, letting writers in between and stopping when ctx ends, compares
// values by their JSON text (int64 3 equals json.Number "3"), and keeps only the sets the page
// can reach, so its memory is bounded by the page, not by the store.
func (s *Store) Search(ctx context.Context, q Query) (int, []Record, error) {
	count, page, err := s.SearchPage(ctx, q)
	return count, page.Records(), err
}

// SearchPage is Search, its page as the sets' rows: written out as JSON without a Record made
// of each (Page.AppendJSON).
func (s *Store) SearchPage(ctx context.Context, q Query) (int, Page, error) {
	terms, top, err := planAnyDepth(q.Condition, q.Rules, q.Start, q.Limit, q.MaxPage, q.Sort, "bk_set_id")
	if err != nil {
		return 0, Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return 0, Page{}, err
	}
	if sets, count, ok, err := s.pageByID(ctx, q, terms, top); ok {
		if err != nil {
			return 0, Page{}, err
		}
		return count, s.page(sets, terms, q.Fields), nil
	}
	if top.deep {
		return s.deepPage(ctx, q, terms, top)
	}
	m := setMatches{biz: q.BizID, all: q.AllBusinesses, owners: q.Owners, terms: terms, top: top}
	if ids, ok := idsOf(terms); ok { // the sets asked for by id, looked up
		if err := m.readIDs(ctx, s, ids); err != nil {
			return 0, Page{}, err
		}
		return s.setsPage(top, m.count, terms, q.Fields)
	}
	if name, ok := nameOf(terms); ok && !q.AllBusinesses {
		s.mu.RLock()
		var parents map[int64]int
		if b := s.names.biz[q.BizID]; b != nil {
			parents = b.parents
		}
		if len(parents) <= scanSlice { // a look-up a parent, under one hold of the lock as a slice of a scan
			for parent := range parents {
				if slot, found := s.names.slot(nameKey{parent, name}); found {
					m.read(s, slot)
				}
			}
			s.mu.RUnlock()
			return s.setsPage(top, m.count, terms, q.Fields)
		}
		s.mu.RUnlock()
	}
	// A business that holds few of the stored sets has its own read, not every set's.
	s.mu.RLock()
	var own []int64
	few := !q.AllBusinesses && s.names.biz[q.BizID].live()*8 < int(s.slab.size())
	if few {
		// Their ids, not their slots: the sets are read under later holds of the lock, when a
		// slot may hold another set.
		own = slices.Collect(s.names.idsIn(q.BizID))
	}
	s.mu.RUnlock()
	if few {
		if err := m.readIDs(ctx, s, own); err != nil {
			return 0, Page{}, err
		}
		return s.setsPage(top, m.count, terms, q.Fields)
	}
	for next := uint32(0); ; {
		if err := ctx.Err(); err != nil {
			return 0, Page{}, err
		}
		s.mu.RLock()
		end := min(next+scanSlice, s.slab.size())
		for slot := next; slot < end; slot++ {
			m.read(s, slot)
		}
		s.mu.RUnlock()
		if end == next {
			break
		}
		next = end
	}
	return s.setsPage(top, m.count, terms, q.Fields)
}

// setMatches counts and offers to a page the sets a search reads, whichever way it finds them.
type setMatches struct {
	biz     int64
	all     bool // every business's sets, not biz's
	owners  []string
	terms   []term
	top     *pageHeap
	count   int
	scratch []byte
}

// read reads the set in a slot and offers it to the page when it matches; s.mu is held.
func (m *setMatches) read(s *Store, slot uint32) {
	if r, ok := m.match(s, slot); ok {
		m.top.offer(r, slot, s.layout)
	}
}

// match reports whether the set in a slot is one the search asks for, and counts it if so;
// s.mu is held.
func (m *setMatches) match(s *Store, slot uint32) (*row, bool) {
	r := s.slab.at(slot)
	if r.id == 0 || r.biz != m.biz && !m.all || !visible(r, m.owners) {
		return nil, false // a free slot, or another business's or owner's set
	}
	var ok bool
	if ok, m.scratch = s.layout.matches(r, m.terms, m.scratch); ok {
		m.count++
	}
	return r, ok
}

// readIDs reads the sets of ids that are stored, a slice of them under each hold of the lock,
// until ctx ends.
func (m *setMatches) readIDs(ctx context.Context, s *Store, ids []int64) error {
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(ids), scanSlice)
		s.mu.RLock()
		for _, id := range ids[:n] {
			if slot, found := s.sets.get(id); found {
				m.read(s, slot)
			}
		}
		s.mu.RUnlock()
		ids = ids[n:]
	}
	return nil
}

// setsPage reads the sets of the page a search kept, cut to the fields asked for. The search
// kept where each set was, not a copy of it, which a deep page would make of every set before
// it: a set deleted since the search read it is left out, and one changed since is shown as it
// is now if it still matches, as a database's cursor does.
func (s *Store) setsPage(top *pageHeap, count int, terms []term, fields []string) (int, Page, error) {
	hits, err := top.page(count)
	if err != nil {
		return 0, Page{}, err
	}
	sets := make([]idSlot, len(hits))
	for i, h := range hits {
		sets[i] = idSlot{id: h.id, slot: h.slot}
	}
	return count, s.page(sets, terms, fields), nil
}

// pageByID is the page of a search that asks for every set of a business it may see, in the
// order of their ids, read from the business's ids where the page starts rather than from every
// set: a client walking a business page by page, to its last set, however many it holds. A page
// costs its size, and when the business's ids hold removed ones, a walk of its ids to the page,
// a slice at a time (walkIDs). ok is false for any other search, and when the business holds
// sets of other owners while the caller names its own.
func (s *Store) pageByID(ctx context.Context, q Query, terms []term, top *pageHeap) (sets []idSlot, count int, ok bool, err error) {
	byID, desc := q.inIDOrder()
	if len(terms) > 0 || !byID {
		return nil, 0, false, nil
	}
	s.mu.RLock()
	b := s.names.biz[q.BizID]
	switch {
	case b == nil:
		s.mu.RUnlock()
		return nil, 0, true, nil
	case len(q.Owners) == 0:
	case b.foreign > 0:
		s.mu.RUnlock()
		return nil, 0, false, nil
	case !slices.Contains(q.Owners, DefaultSupplierAccount):
		s.mu.RUnlock()
		return nil, 0, true, nil
	}
	count, holes := b.live(), b.holes
	if top.tooLarge(count) {
		s.mu.RUnlock()
		return nil, 0, false, nil // the scan's page says so
	}
	if holes == 0 {
		sets = b.pageByID(top.start, top.window, desc)
		s.mu.RUnlock()
		return sets, count, true, nil
	}
	s.mu.RUnlock()
	skip := top.start
	err = s.walkIDs(ctx, q.BizID, desc, walkSlice, func(h idSlot) bool {
		if skip > 0 {
			skip--
			return true
		}
		sets = append(sets, h)
		return len(sets) < top.window
	})
	return sets, count, true, err
}

// inIDOrder reports whether a search asks for one business's sets in the order of their ids,
// which its ids are kept in, and whether descending.
func (q Query) inIDOrder() (byID, desc bool) {
	byID, desc = idOrder(q.Sort, "bk_set_id")
	return byID && !q.AllBusinesses, desc
}

// idOrder reports whether a sort is by the id's field alone (none is), and whether descending.
func idOrder(sort, idField string) (byID, desc bool) {
	return sort == "" || sort == idField || sort == "-"+idField, sort == "-"+idField
}

// deepPage is a page past MaxWindow of a search with a condition, in the order of ids: every set
// of the business is tested, in order, as a scan tests it, and only the page's own are kept, so
// that a client walking the sets of a parent, say, reaches every page, as CMDB answers any start.
// Any other search ranks its matches, and a page past MaxWindow of it is refused.
func (s *Store) deepPage(ctx context.Context, q Query, terms []term, top *pageHeap) (int, Page, error) {
	byID, desc := q.inIDOrder()
	if !byID {
		return 0, Page{}, ErrPageTooLarge
	}
	m := setMatches{biz: q.BizID, owners: q.Owners, terms: terms}
	var sets []idSlot
	err := s.walkIDs(ctx, q.BizID, desc, scanSlice, func(h idSlot) bool {
		rank := m.count
		if _, ok := m.match(s, h.slot); ok && rank >= top.start && len(sets) < top.window {
			sets = append(sets, h)
		}
		return true
	})
	switch {
	case err != nil:
		return 0, Page{}, err
	case top.tooLarge(m.count):
		return 0, Page{}, ErrPageTooLarge
	}
	return m.count, s.page(sets, terms, q.Fields), nil
}

// walkIDs calls visit with each of a business's sets, by id, ascending or descending, the store's
// read lock held, until visit returns false: slice of its ids under each hold of the lock (a visit
// that reads each set's row takes scanSlice, as a scan does; one that does not, walkSlice), each
// slice taking up where the last left off (by a search for the last id passed when the ids moved),
// so that a walk of a business of millions holds up a write for a slice, not the whole walk.
// BenchmarkDeepPageByID, a page at the 999,700th of a million sets: 3.7-5.4 ms in sixteen slices
// against 3.3-4.2 ms under one hold (the two test binaries in turns, four runs each). A set
// removed or added behind the walk between two slices moves what follows as it would move a
// database's cursor.
func (s *Store) walkIDs(ctx context.Context, biz int64, desc bool, slice int, visit func(idSlot) bool) error {
	var last int64 // the id the walk has passed, at place; 0 before its first slice
	place := 0
	step := 1
	if desc {
		step = -1
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.RLock()
		b := s.names.biz[biz]
		if b == nil {
			s.mu.RUnlock()
			return nil
		}
		all := b.sets.len()
		i := 0
		switch {
		case last == 0 && desc:
			i = all - 1
		case last == 0:
		case place < all && abs(b.sets.at(place).id) == last:
			i = place + step // nothing moved it: on from there, without a search
		default:
			at, found := b.find(last)
			switch {
			case desc:
				i = at - 1
			case found:
				i = at + 1
			default:
				i = at
			}
		}
		first := i
		for ; i >= 0 && i < all && (i-first)*step < slice; i += step {
			if h := *b.sets.at(i); h.id > 0 && !visit(h) {
				s.mu.RUnlock()
				return nil
			}
		}
		if i != first {
			place = i - step
			last = abs(b.sets.at(place).id)
		}
		s.mu.RUnlock()
		if i < 0 || i >= all {
			return nil
		}
	}
}

// page is the page of the sets, cut to the fields asked for; they are read when it is written.
func (s *Store) page(sets []idSlot, terms []term, fields []string) Page {
	p := Page{s: s, sets: sets, terms: terms}
	for _, f := range slices.Compact(slices.Sorted(slices.Values(fields))) {
		src, known := s.layout.source(f)
		p.fields = append(p.fields, pageField{name: f, key: append(jsonx.AppendString(nil, f), ':'), src: src, known: known})
	}
	return p
}

// Page is the sets of a search's page, cut to the fields it asked for. It holds where they are,
// not copies: they are read from the store, under its read lock, when the page is written, and
// a set removed, or changed so that it no longer matches, since the search is left out.
type Page struct {
	s      *Store
	sets   []idSlot
	terms  []term
	fields []pageField // sorted by name, each once; none: every field
}

// pageField is a field a page asks for, looked up in the layout once for all its sets.
type pageField struct {
	name  string
	key   []byte // `"name":`
	src   source
	known bool // the layout has it, so every set has it; else only a set that keeps it
}

// rows yields the page's sets that are still stored and still match, holding the store's read
// lock while it does.
func (p Page) rows() iter.Seq[*row] {
	return func(yield func(*row) bool) {
		if p.s == nil {
			return
		}
		var scratch []byte
		p.s.mu.RLock()
		defer p.s.mu.RUnlock()
		p.s.slab.readAhead(p.sets)
		for _, h := range p.sets {
			if h.slot >= p.s.slab.size() {
				continue // the store was emptied
			}
			r := p.s.slab.at(h.slot)
			var ok bool
			if ok, scratch = p.s.layout.matches(r, p.terms, scratch); r.id != h.id || !ok {
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}

// HoldsBuiltIn reports whether the page may hold a built-in set (default not 0), as it was
// searched: a set changed since is not looked at again.
func (p Page) HoldsBuiltIn() bool {
	if p.s == nil {
		return false
	}
	p.s.mu.RLock()
	defer p.s.mu.RUnlock()
	return slices.ContainsFunc(p.sets, func(h idSlot) bool { return h.slot < p.s.slab.size() && p.s.slab.at(h.slot).def != 0 })
}

// Records returns the page's sets as records.
func (p Page) Records() []Record {
	page := make([]Record, 0, len(p.sets))
	for r := range p.rows() {
		if len(p.fields) == 0 {
			page = append(page, p.s.layout.record(r))
			continue
		}
		rec := Record{}
		for _, f := range p.fields {
			if v, ok := p.s.layout.value(r, f.name); ok {
				rec[f.name] = v
			}
		}
		page = append(page, rec)
	}
	return page
}

// AppendJSON appends the page as encoding/json writes its Records, without making them:
// TestPageJSONMatchesItsRecords holds it to that. With the search, a page of 200 whole sets
// takes 0.53 ms and 10,608 allocations through records, 24 us and 6 this way; of three fields
// 98-100 us through records, 9-10 us this way (BenchmarkPageJSON on 83f08f8).
func (p Page) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	comma := false
	for r := range p.rows() {
		if comma {
			b = append(b, ',')
		}
		comma = true
		if len(p.fields) == 0 {
			b = p.s.layout.appendJSON(b, r)
			continue
		}
		b = append(b, '{')
		first := true
		for _, f := range p.fields {
			v, kept := r.extra[f.name]
			if !kept && !f.known {
				continue // a field the record does not have
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.key...)
			if kept {
				b = AppendValue(b, v)
			} else {
				b = p.s.layout.appendSource(b, r, f.src)
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// nameOf is the set name a search's terms ask for exactly, if they ask for one: a set of that
// name is then found under each parent by the name index, not by reading every set.
func nameOf(terms []term) (string, bool) {
	for _, t := range terms {
		if t.field == "bk_set_name" && t.op == "$eq" {
			return unquote(t.text)
		}
	}
	return "", false
}

// idsOf are the set ids a search's terms allow, if one of them names the ids ($eq or $in on
// bk_set_id, as find_set_batch asks): those sets are looked up, not found by reading every set.
func idsOf(terms []term) ([]int64, bool) {
	for _, t := range terms {
		if t.field != "bk_set_id" {
			continue
		}
		switch t.op {
		case "$eq":
			id, ok := parseInt(t.text)
			if !ok {
				return nil, true // no set's id is written so
			}
			return []int64{id}, true
		case "$in":
			ids := make([]int64, 0, len(t.in))
			for text := range t.in {
				if id, ok := parseInt([]byte(text)); ok {
					ids = append(ids, id)
				}
			}
			return ids, true
		}
	}
	return nil, false
}

// sortKey is an instance's value of a sort field, as compareKeys orders it, worked out once an
// instance: its kind's rank in MongoDB's order, then a number's value (an integer's in n, any
// other's bits in n with fraction set), anything else's text.
type sortKey struct {
	n        int64
	s        string
	rank     rank
	fraction bool
}

// rank is a kind of value's place in MongoDB's order of kinds: an empty list, null (and a field
// the record lacks), numbers, strings, objects, lists (in a list), booleans.
type rank uint8

const (
	rankNull rank = iota // the zero key's
	rankNumber
	rankString
	rankObject
	rankArray
	rankBool
	rankEmptyList // before null, by order
)

// order is the rank's place among the others.
func (r rank) order() int {
	if r == rankEmptyList {
		return -1
	}
	return int(r)
}

// float is a number key's value as a float64.
func (k sortKey) float() float64 {
	if k.fraction {
		return math.Float64frombits(uint64(k.n))
	}
	return float64(k.n)
}

// hit is a match a page may hold: a set by its id and slot, read again once the page is known;
// any other instance by its id and itself, whose record is made once the page is known. Its keys
// are its values of the sort's fields: the first's, and, when the sort has more, the others'
// from position more of the heap's extra keys (in the slot's padding: a hit is no larger).
type hit struct {
	id   int64
	slot uint32
	more uint32
	val  valuer
	key  sortKey
}

// sortOrder is how a page is ordered: by the fields of a comma list in turn, each ascending or
// (with "-") descending, then by id, in the direction the list gives the id's field, else the
// first field's; the fields after the id's (or an empty one) are not read, as ids are unique.
// It returns the fields whose values hits need (none for the id alone) and whether each is
// descending; a hit's keys after the first are read from extra.
func sortOrder(sort, idField string, extra *[]sortKey) (less func(a, b *hit) bool, fields []string, desc []bool) {
	idDesc := strings.HasPrefix(sort, "-") // unless the list names the id's field
	for key := range strings.SplitSeq(sort, ",") {
		d := strings.HasPrefix(key, "-")
		key = strings.TrimPrefix(key, "-")
		if key == idField {
			idDesc = d
		}
		if key == "" || key == idField {
			break
		}
		fields, desc = append(fields, key), append(desc, d)
	}
	byID := func(a, b *hit) bool { return cmp.Compare(a.id, b.id) < 0 != idDesc }
	switch len(fields) {
	case 0: // the usual order, compared for every match: as little as it takes
		return byID, nil, nil
	case 1:
		return func(a, b *hit) bool {
			if c := compareKeys(a.key, b.key); c != 0 {
				return c < 0 != desc[0]
			}
			return byID(a, b)
		}, fields, desc
	}
	return func(a, b *hit) bool {
		if c := compareKeys(a.key, b.key); c != 0 {
			return c < 0 != desc[0]
		}
		for i := 1; i < len(fields); i++ {
			if c := compareKeys((*extra)[a.more+uint32(i)-1], (*extra)[b.more+uint32(i)-1]); c != 0 {
				return c < 0 != desc[i]
			}
		}
		return byID(a, b)
	}, fields, desc
}

// compareKeys orders two values as MongoDB's sort does: by kind, then numbers by value, the
// rest by their text (false before true).
func compareKeys(a, b sortKey) int {
	switch {
	case a.rank != b.rank:
		return cmp.Compare(a.rank.order(), b.rank.order())
	case a.rank != rankNumber:
		return cmp.Compare(a.s, b.s)
	case !a.fraction && !b.fraction:
		return cmp.Compare(a.n, b.n)
	}
	return cmp.Compare(a.float(), b.float())
}

// keyOfValue is the sort key of a set's value as the row holds it, in a descending sort or not:
// an int64, a string, or a value its attributes' JSON text decodes to.
func keyOfValue(v any, desc bool) sortKey {
	switch v := v.(type) {
	case int64:
		return sortKey{n: v, rank: rankNumber}
	case string:
		return sortKey{s: v, rank: rankString}
	case nil:
		return sortKey{}
	}
	return keyOfText(AppendValue(nil, v), desc)
}

// pageHeap keeps the limit best sets of those offered. The hits stay where they were put; the
// heap, the worst at its root, orders their positions, so that keeping a hit moves four bytes,
// not the hit. (A heap of the hits themselves, through container/heap, boxed each one: a page
// of 200 at 50,000 took 118 ms and 311 MB a search, BenchmarkSearchSetsDeepPage.)
type pageHeap struct {
	hits   []hit
	order  []int32 // positions in hits, a heap
	cand   hit     // the hit being offered
	less   func(a, b *hit) bool
	limit  int
	fields []string // the sort's, whose values each hit needs
	desc   []bool   // whether each of fields is sorted descending
	// extra holds the keys after the first of each hit, and then the candidate's: as many a
	// hit as the sort has fields but one, none for a sort of one field. A hit that replaces
	// another takes its place here too, so that it holds the page's keys and no more.
	extra []sortKey
	// The page asked for: from start, window hits; a limit of 0 asks for every match, which
	// may be at most maxPage.
	start, window, maxPage int
	all                    bool
	deep                   bool // past MaxWindow: the heap keeps nothing, its page is refused
}

// plan prepares a search: its condition's terms and the heap of its page, which may reach no
// further than MaxWindow matches.
func plan(cond map[string]any, rules []Rule, start, limit, maxPage int, sort, idField string) ([]term, *pageHeap, error) {
	terms, top, err := planAnyDepth(cond, rules, start, limit, maxPage, sort, idField)
	if err == nil && top.deep {
		return nil, nil, ErrPageTooLarge
	}
	return terms, top, err
}

// planAnyDepth is plan for a search that reads a page past MaxWindow by other means than the
// heap (pageByID) and refuses it otherwise; the heap of such a page keeps nothing.
func planAnyDepth(cond map[string]any, rules []Rule, start, limit, maxPage int, sort, idField string) ([]term, *pageHeap, error) {
	terms, err := prepare(cond, rules)
	if err != nil {
		return nil, nil, err
	}
	top, err := newPage(start, limit, maxPage, sort, idField)
	return terms, top, err
}

// newPage checks a page against the bounds of a search and makes the heap that keeps what
// it can reach.
func newPage(start, limit, maxPage int, sort, idField string) (*pageHeap, error) {
	maxPage = cmp.Or(maxPage, DefaultMaxPage)
	window := cmp.Or(limit, maxPage)
	if start < 0 || limit < 0 || limit > maxPage {
		return nil, ErrPageTooLarge
	}
	if strings.Count(sort, ",") >= MaxSortKeys {
		return nil, fmt.Errorf("%w: a sort of more than %d fields", ErrRefusedCondition, MaxSortKeys)
	}
	// start > MaxWindow-window, not start+window > MaxWindow: a start near int64's end would
	// wrap the sum past zero.
	h := &pageHeap{start: start, window: window, maxPage: maxPage, all: limit == 0, deep: start > MaxWindow-window}
	if !h.deep {
		h.limit = start + window + 1
	}
	h.less, h.fields, h.desc = sortOrder(sort, idField, &h.extra)
	return h, nil
}

// page returns the hits of the page asked for, best first, once count matches were offered.
func (h *pageHeap) page(count int) ([]hit, error) {
	if h.deep || h.tooLarge(count) {
		return nil, ErrPageTooLarge
	}
	// The heap holds the best n matches; the page is ranks start to end of them. Popping the
	// worst from the heap reads them from the end, without sorting what comes before the page.
	n := len(h.order)
	if n < h.limit {
		h.heapify() // it never filled, so it was never made a heap
	}
	end := min(h.start+h.window, n)
	page := make([]hit, max(end-h.start, 0))
	for rank := n - 1; rank >= h.start; rank-- {
		if worst := h.pop(); rank < end {
			page[rank-h.start] = h.hits[worst]
		}
	}
	return page, nil
}

func (h *pageHeap) heapify() {
	for i := len(h.order)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// pop takes the worst hit's position out of the heap.
func (h *pageHeap) pop() int32 {
	last := len(h.order) - 1
	h.order[0], h.order[last] = h.order[last], h.order[0]
	worst := h.order[last]
	h.order = h.order[:last]
	h.down(0)
	return worst
}

// tooLarge reports whether a page of every match from start on holds more than a page may,
// count matches having been found.
func (h *pageHeap) tooLarge(count int) bool { return h.all && count-h.start > h.maxPage }

// worse reports whether the i-th hit of the heap is worse than the j-th.
func (h *pageHeap) worse(i, j int) bool { return h.less(&h.hits[h.order[j]], &h.hits[h.order[i]]) }

func (h *pageHeap) down(i int) {
	for n := len(h.order); ; {
		worst := i
		for _, child := range [2]int{2*i + 1, 2*i + 2} {
			if child < n && h.worse(child, worst) {
				worst = child
			}
		}
		if worst == i {
			return
		}
		h.order[i], h.order[worst] = h.order[worst], h.order[i]
		i = worst
	}
}

// offer takes a matching set, in the given slot, if it is among the best so far.
func (h *pageHeap) offer(r *row, slot uint32, l *layout) {
	h.cand = hit{id: r.id, slot: slot, more: uint32(len(h.extra))}
	for i, f := range h.fields {
		v, _ := l.value(r, f)
		h.setKey(i, keyOfValue(v, h.desc[i]))
	}
	if h.wants() {
		h.keep()
		return
	}
	h.extra = h.extra[:h.cand.more]
}

// setKey sets the candidate's key of the i-th field of the sort: its own, or one past the keys
// the hits hold.
func (h *pageHeap) setKey(i int, k sortKey) {
	if i == 0 {
		h.cand.key = k
		return
	}
	h.extra = append(h.extra, k)
}

// wants reports whether the candidate is among the limit best so far. The candidate lives in
// the heap, so that comparing it allocates nothing: a search of 100,000 matching sets went from
// 13.4 ms and 16.0 MB to 8.6 ms and 36 KB (BenchmarkSearchSets, medians of -count 6, one run).
func (h *pageHeap) wants() bool {
	return !h.deep && (len(h.order) < h.limit || h.less(&h.cand, &h.hits[h.order[0]]))
}

// keep puts the candidate in the heap, in place of the worst when the heap is full. Until it is
// full, hits are only put by, and made a heap once when it fills: a page that reaches past
// every match, the usual case, is never made a heap.
func (h *pageHeap) keep() {
	if len(h.order) < h.limit {
		if len(h.hits) == cap(h.hits) {
			// Doubled, not grown by append's quarter for a large slice: a deep page's hits
			// are copied a few times rather than a dozen (BenchmarkSearchSetsDeepPage
			// 16.9 MB and 4.8 ms to 7.4 MB and 2.3 ms a search).
			h.hits = slices.Grow(h.hits, max(len(h.hits), min(h.limit, 64)))
		}
		h.hits = append(h.hits, h.cand)
		h.order = append(h.order, int32(len(h.hits)-1))
		if len(h.order) == h.limit {
			h.heapify()
		}
		return
	}
	worst := &h.hits[h.order[0]]
	if n := len(h.fields) - 1; n > 0 { // the candidate's keys in place of the worst's
		copy(h.extra[worst.more:worst.more+uint32(n)], h.extra[h.cand.more:])
		h.extra, h.cand.more = h.extra[:h.cand.more], worst.more
	}
	*worst = h.cand
	h.down(0)
}

// offerValues takes a matching instance that is not a set, if it is among the best so far; its
// record is made only if the page holds it.
func offerValues[V valuer](h *pageHeap, id int64, v V, scratch []byte, l *layout) []byte {
	h.cand = hit{id: id, more: uint32(len(h.extra))}
	for i, f := range h.fields {
		scratch = v.appendField(scratch[:0], f, l)
		h.setKey(i, keyOfText(scratch, h.desc[i]))
	}
	if !h.wants() {
		h.extra = h.extra[:h.cand.more]
		return scratch
	}
	h.cand.val = v
	h.keep()
	return scratch
}

// keyOfText is the sort key of a value written as JSON text, in a descending sort or not: a
// list's is its least element's ascending and its greatest's descending, as MongoDB sorts an
// array, and an empty list's comes before null.
func keyOfText(text []byte, desc bool) sortKey {
	if !isListText(text) {
		return keyOfOne(text)
	}
	best, seen := sortKey{rank: rankEmptyList}, false
	eachElement(text, func(elem []byte) bool {
		k := keyOfOne(elem)
		if c := compareKeys(k, best); !seen || c != 0 && c < 0 != desc {
			best, seen = k, true
		}
		return false
	})
	return best
}

// keyOfOne is the sort key of a value written as JSON text, a list taken whole: a number, a
// string, null, or the text itself of a boolean, an object or a list.
func keyOfOne(text []byte) sortKey {
	if n, ok := parseInt(text); ok {
		return sortKey{n: n, rank: rankNumber}
	}
	if len(text) == 0 {
		return sortKey{}
	}
	switch text[0] {
	case '"':
		str, _ := unquote(text)
		return sortKey{s: str, rank: rankString}
	case 'n':
		return sortKey{}
	case 't', 'f':
		return sortKey{s: string(text), rank: rankBool}
	case '{':
		return sortKey{s: string(text), rank: rankObject}
	case '[':
		return sortKey{s: string(text), rank: rankArray}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return sortKey{s: string(text), rank: rankString} // no JSON text a record writes
	}
	return sortKey{n: int64(math.Float64bits(f)), rank: rankNumber, fraction: true}
}

// parseInt reads a JSON integer literal that fits an int64, without allocating.
func parseInt(text []byte) (int64, bool) {
	neg := len(text) > 0 && text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || len(digits) > 1 && digits[0] == '0' {
		return 0, false // 18 digits always fit; longer ones are left to the string order
	}
	var n int64
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
