package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// A state's sets are read by a scanner that only finds where each saved value ends, a batch of
// them parsed at a time by as many workers as there are cores, the batches then checked and
// stored in their order by one goroutine: a million sets load in a few seconds, where a
// json.Decoder walking every element took four times as long (bench/state.sh). The scanner
// skips through a string to its next quote with bytes.IndexByte, where it looked at each byte:
// 100,000 sets in 0.38-0.41 s rather than 0.42-0.45 s (BenchmarkReadState, the two builds in
// turns, four runs each), a million from bench/state.sh's file in 4.35-4.84 s rather than
// 4.76-5.09 s (three starts of each in turns; 2026-12-05). FuzzReadState and
// TestReadStateAcrossBufferEdges hold it to escapes and to values cut where the buffer ends.

// stateScanner reads JSON values from a stream, keeping only what the value being read needs.
type stateScanner struct {
	r   io.Reader
	buf []byte
	pos int // the next unread byte of buf
	eof bool
	err error // why the reader stopped, when it was not the end of its text
}

func newStateScanner(r io.Reader) *stateScanner {
	return &stateScanner{r: r, buf: make([]byte, 0, 1<<20)}
}

// fill reads more, keeping buf[from:] (the value being read) at the front; it reports whether
// anything came.
func (s *stateScanner) fill(from int) bool {
	if s.eof {
		return false
	}
	n := copy(s.buf[:cap(s.buf)], s.buf[from:])
	s.buf, s.pos = s.buf[:n], s.pos-from
	if n == cap(s.buf) { // one value larger than the buffer: grow it
		s.buf = append(s.buf, make([]byte, cap(s.buf))...)[:n]
	}
	m, err := io.ReadAtLeast(s.r, s.buf[n:cap(s.buf)], 1)
	s.buf = s.buf[:n+m]
	if err != nil {
		s.eof = true
		if !errors.Is(err, io.EOF) {
			s.err = err
		}
	}
	return m > 0
}

// next is the next byte past white space, not consumed; 0 at the end.
func (s *stateScanner) next() byte {
	for {
		for ; s.pos < len(s.buf); s.pos++ {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return c
			}
		}
		if !s.fill(s.pos) {
			return 0
		}
	}
}

// expect consumes the byte c, past white space.
func (s *stateScanner) expect(c byte) error {
	if got := s.next(); got != c {
		return fmt.Errorf("want %q, found %q", c, got)
	}
	s.pos++
	return nil
}

// value reads one whole JSON value and returns its bytes, valid until the next read. It only
// finds the value's end (a balanced object or array, a string, a literal); the caller parses it.
func (s *stateScanner) value() ([]byte, error) {
	if s.next() == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	start := s.pos
	depth, inString := 0, false
	for i := s.pos; ; i++ {
		if i == len(s.buf) {
			if !s.fill(start) {
				return nil, io.ErrUnexpectedEOF
			}
			i -= start
			start = 0
		}
		c := s.buf[i]
		switch {
		case inString:
			// Most of a state's bytes are in strings: skip to the next quote at once, and
			// count the backslashes before it, all of them in the value read so far.
			q := bytes.IndexByte(s.buf[i:], '"')
			if q < 0 {
				i = len(s.buf) - 1 // read on
				continue
			}
			i += q
			if escapedQuote(s.buf[start:i]) {
				continue
			}
			inString = false
			if depth == 0 {
				s.pos = i + 1
				return s.buf[start:s.pos], nil
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				s.pos = i + 1
				return s.buf[start:s.pos], nil
			}
			if depth < 0 {
				return nil, errors.New("a value closes what it did not open")
			}
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			s.pos = i // a number or literal ends before its delimiter
			return s.buf[start:i], nil
		}
	}
}

// escapedQuote reports whether a quote after before is escaped: an odd run of backslashes ends
// before.
func escapedQuote(before []byte) bool {
	n := 0
	for n < len(before) && before[len(before)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// elements calls each with the bytes of each value of an array, in order; the bytes are valid
// until the next value is read.
func (s *stateScanner) elements(each func([]byte) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.next() == ']' {
		s.pos++
		return nil
	}
	for {
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := each(v); err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return errors.New("an array's values are not separated by commas")
		}
	}
}

// ReadState replaces the store's sets, modules and counters with the State that r holds as
// JSON, read set by set. The state is checked as it loads: the format, set ids positive and
// unique, names unique under a parent, module ids positive and unique and of a saved set, hosts
// of saved modules and no fewer than none.
// Counters behind the saved ids (a stale file) are moved past them, so no id in use is handed
// out again.
func (st *Store) ReadState(r io.Reader) error {
	s := newStateScanner(r)
	err := st.readState(s)
	if s.err != nil { // the reader's own failure explains what the text lacks
		return fmt.Errorf("reading the state: %w", s.err)
	}
	return err
}

func (st *Store) readState(s *stateScanner) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	rs := st.restorer()
	var format, nextSet, nextModule int64
	seen := map[string]bool{}
	for first := true; ; first = false {
		if s.next() == '}' {
			s.pos++
			break
		}
		if !first {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		raw, err := s.value()
		if err != nil {
			return err
		}
		var key string
		if err := json.Unmarshal(raw, &key); err != nil {
			return fmt.Errorf("a key of the state: %w", err)
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		seen[key] = true
		switch key {
		case "sets":
			err = parallelElements(s, st.layout.rowOf, rs.addRow)
		case "modules":
			err = parallelElements(s, moduleOf, func(m *Module) error { return rs.addModule(*m) })
		default:
			if raw, err = s.value(); err != nil {
				return err
			}
			var into any
			switch key {
			case "format":
				into = &format
			case "next_set_id":
				into = &nextSet
			case "next_module_id":
				into = &nextModule
			case "model":
				into = &rs.model
			case "nodes":
				into = &rs.nodes
			case "installed":
				into = &rs.installed
			case "hosts":
				into = &rs.hosts
			default:
				// A key of a later format is let be, but it must be JSON: a state is read whole
				// or not at all.
				if !json.Valid(raw) {
					return fmt.Errorf("%s: not JSON", key)
				}
				continue
			}
			err = json.Unmarshal(bytes.Clone(raw), into)
			if err != nil {
				err = fmt.Errorf("%s: %w", key, err)
			}
		}
		if err != nil {
			return err
		}
	}
	if s.next(); s.pos < len(s.buf) {
		return errors.New("the state goes on after its end")
	}
	if format != StateFormat {
		return fmt.Errorf("format %d, want %d", format, StateFormat)
	}
	if !seen["sets"] {
		return errors.New("no sets")
	}
	return rs.finish(nextSet, nextModule)
}

// moduleOf reads a saved module's record as encoding/json decodes it into a Module with numbers
// kept as written, and refuses what it refuses: ids and times JSON integers within int64, names
// strings, fields an object, null leaving a field empty, other keys let be. Two cases no state
// holds, as the mock writes one, are read as the state is written rather than as encoding/json
// would: only the keys in Module's own case count, and of a key given twice the last value
// (encoding/json merges two objects of fields, and keeps an error of the first). Its strings are
// cut from the text, its fields its own. The record is read member by member (jsonx.Members), no map
// made of it but its fields: BenchmarkReadState's 100,000 sets and modules with 0.60 M
// allocations rather than 1.40 M, its time within the VM's spread (227-260 against 253-258 ms,
// the two test binaries in turns, three runs each; 2026-12-06). FuzzModuleOf holds it to
// encoding/json.
func moduleOf(text string, m *Module) error {
	names, fieldOf := moduleKeys()
	var saved [32]string // by Module's field
	next := 0
	err := jsonx.Members(text, maxDepth, func(key, raw string) error {
		if i, ok := placeOf(names, fieldOf, next, key); ok {
			saved[i], next = raw, i+1 // a key given twice: its last value
		}
		return nil
	})
	if err != nil {
		return errors.New("modules: a saved module is not a JSON object")
	}
	fields := reflect.ValueOf(m).Elem()
	for i, raw := range saved[:fields.NumField()] {
		if raw == "" || raw == "null" {
			continue
		}
		switch f := fields.Field(i); f.Kind() {
		case reflect.Int64:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return fmt.Errorf("modules: %s is not an integer within int64", names[i])
			}
			f.SetInt(n)
		case reflect.String:
			text, ok := savedString(raw)
			if !ok {
				return fmt.Errorf("modules: %s is not a string", names[i])
			}
			f.SetString(text) // cut from the state's text: the restorer keeps a copy (Module.own)
		case reflect.Map:
			// Decoded into maps lent for this value alone, then copied: the module owns its own.
			stock := fieldMaps.Get().(*jsonx.Stock)
			v, _ := jsonx.Parse(raw, maxDepth, stock)
			obj, ok := v.(map[string]any)
			if ok {
				f.Set(reflect.ValueOf(jsonx.Own(obj)).Convert(f.Type()))
			}
			stock.TakeBack()
			fieldMaps.Put(stock)
			if !ok {
				return fmt.Errorf("modules: %s is not an object", names[i])
			}
		default:
			return fmt.Errorf("modules: %s is of a kind a state does not hold", names[i])
		}
	}
	return nil
}

// fieldMaps lends the maps a saved module's fields are decoded into, for one at a time.
var fieldMaps = sync.Pool{New: func() any { return new(jsonx.Stock) }}

// moduleKeys are the keys the state writes Module's fields under, their JSON names, by field,
// and the field of each key.
var moduleKeys = sync.OnceValues(func() ([]string, map[string]int) {
	t := reflect.TypeFor[Module]()
	names, fields := make([]string, t.NumField()), make(map[string]int, t.NumField())
	for i := range t.NumField() {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields[names[i]] = i
	}
	return names, fields
})

// stateBatch is a run of an array's values, parsed by a worker, then taken in order.
type stateBatch[T any] struct {
	text   string // the values, one after the other
	bounds []int  // where each ends in text
	out    []T
	err    error
	done   chan struct{}
}

// parallelElements parses an array's values with parse, a batch at a time on every core, and
// gives them to take in their order. At most a few batches are in flight: the memory of a load
// is that of the store it builds, and a few megabytes more.
func parallelElements[T any](s *stateScanner, parse func(string, *T) error, take func(*T) error) error {
	const batchBytes = 4 << 20
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *stateBatch[T])
	order := make(chan *stateBatch[T], 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range work {
				// The values are parsed into one slice a batch, not one allocation each:
				// BenchmarkReadState with 0.40 M allocations rather than 0.60 M, 285-297 ms
				// rather than 317-340 (three runs of each in turns); a million sets with a
				// module each load in 4.17-4.72 s rather than 3.92-4.95, within the VM's
				// spread (three of each build in turns; 2026-12-06).
				b.out = make([]T, len(b.bounds))
				start := 0
				for i, end := range b.bounds {
					if err := parse(b.text[start:end], &b.out[i]); err != nil {
						b.err, b.out = err, b.out[:i]
						break
					}
					start = end
				}
				close(b.done)
			}
		})
	}
	// The values are read here and taken in another goroutine, so that reading, parsing and
	// storing go on at once.
	taken := make(chan error, 1)
	go func() {
		var err error
		for b := range order {
			<-b.done
			if err == nil {
				err = b.err
			}
			for i := range b.out {
				if err != nil {
					break
				}
				err = take(&b.out[i])
			}
		}
		taken <- err
	}()
	// A batch's text is built where the batch takes it, with room for a batch and the value that
	// ends it: the values are copied once from the scanner's buffer, where they were copied
	// twice (BenchmarkReadState 171 MB allocated rather than 194, 216-289 ms against 266-303,
	// three runs of each in turns; a million sets with a module each within the VM's spread).
	var (
		pending strings.Builder
		bounds  []int
	)
	send := func() {
		if len(bounds) == 0 {
			return
		}
		b := &stateBatch[T]{text: pending.String(), bounds: bounds, done: make(chan struct{})}
		order <- b
		work <- b
		pending, bounds = strings.Builder{}, nil
	}
	err := s.elements(func(v []byte) error {
		if pending.Cap() == 0 {
			pending.Grow(batchBytes + batchBytes/4)
		}
		pending.Write(v)
		bounds = append(bounds, pending.Len())
		if pending.Len() >= batchBytes {
			send()
		}
		return nil
	})
	send()
	close(work)
	close(order)
	wg.Wait()
	if takeErr := <-taken; err == nil {
		err = takeErr
	}
	return err
}
