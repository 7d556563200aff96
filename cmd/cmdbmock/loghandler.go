package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// lineHandler writes the log's lines as slog's text or JSON handler writes them, byte for byte
// (FuzzLogLine holds it to them), with the time in the zone of --tz. It writes what the access
// log and the mock's own lines are made of (strings, integers, finite numbers and booleans) on
// its own, and hands any other record to slog's handler: the access log's line then costs an
// append of each value, not slog's walk of them through ReplaceAttr. BenchmarkLogLine: 1.09-1.14
// us and 2 allocations a line through slog's text handler and the Logger, 0.38-0.40 us and 1
// through this one (go test ./cmd/cmdbmock -bench BenchmarkLogLine -count 4, 2026-12-05).
type lineHandler struct {
	json  bool
	level slog.Leveler
	loc   *time.Location
	out   io.Writer    // takes a whole line a Write
	slow  slog.Handler // slog's own, writing to out with the same options
}

func newLineHandler(w io.Writer, json bool, level slog.Leveler, loc *time.Location) *lineHandler {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
			a.Value = slog.TimeValue(a.Value.Time().In(loc))
		}
		return a
	}}
	h := &lineHandler{json: json, level: level, loc: loc, out: w, slow: slog.NewTextHandler(w, opts)}
	if json {
		h.slow = slog.NewJSONHandler(w, opts)
	}
	return h
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs and WithGroup are slog's: nothing of the mock's logs through them.
func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler { return h.slow.WithAttrs(as) }
func (h *lineHandler) WithGroup(name string) slog.Handler    { return h.slow.WithGroup(name) }

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (h *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	buf := lineBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 16<<10 {
			lineBuffers.Put(buf)
		}
	}()
	line, ok := h.appendLine((*buf)[:0], r)
	*buf = line
	if !ok {
		return h.slow.Handle(ctx, r)
	}
	_, err := h.out.Write(line)
	return err
}

// appendLine appends the record's line; false when the record holds what slog's handler is
// left to write (a zero time, a year past 9999, an empty key, a value of another kind, a
// number that is not finite, and in JSON a control character, which slog escapes in its own way).
func (h *lineHandler) appendLine(b []byte, r slog.Record) ([]byte, bool) {
	if r.Time.IsZero() {
		return b, false
	}
	t := r.Time.In(h.loc)
	if y := t.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	if h.json {
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"`...)
		b = append(b, r.Level.String()...)
		b = append(b, `","msg":`...)
	} else {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, t)
		b = append(b, " level="...)
		b = append(b, r.Level.String()...)
		b = append(b, " msg="...)
	}
	b, ok := h.appendString(b, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if !ok || a.Key == "" {
			ok = false
			return false
		}
		if h.json {
			b = append(b, ',')
		} else {
			b = append(b, ' ')
		}
		if b, ok = h.appendString(b, a.Key); !ok {
			return false
		}
		if h.json {
			b = append(b, ':')
		} else {
			b = append(b, '=')
		}
		v := a.Value
		switch v.Kind() {
		case slog.KindString:
			b, ok = h.appendString(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		case slog.KindFloat64:
			f := v.Float64()
			switch {
			case math.IsNaN(f) || math.IsInf(f, 0):
				ok = false
			case h.json:
				b = appendJSONFloat(b, f)
			default:
				b = strconv.AppendFloat(b, f, 'g', -1, 64)
			}
		default:
			ok = false
		}
		return ok
	})
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n'), ok
}

// appendString appends a message, key or string value in the handler's format; false when
// slog's handler is left to write it.
func (h *lineHandler) appendString(b []byte, s string) ([]byte, bool) {
	if h.json {
		return appendJSONString(b, s)
	}
	return appendText(b, s), true
}

// appendText appends a string of the text format: as it is, or quoted where slog's text
// handler quotes it.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting is slog's test of a text value (log/slog/text_handler.go): empty, or holding a
// space, '=', a character JSON escapes but the backslash, or a rune that is not printable.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == ' ' || b == '=' || b == '"' || b < 0x20 {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendJSONString appends s as a JSON string as slog does; false when s holds a control
// character, which slog writes as \u00XX where the writer used here writes \b or \f.
func appendJSONString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return b, false
		}
	}
	return jsonx.AppendString(b, s), true
}

// appendJSONFloat appends a finite number as encoding/json writes it, which slog's JSON handler
// uses: 'f' form, or 'e' form with a one-digit exponent kept short, for very small and large ones.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-09 to e-9
		b = b[:n-1]
	}
	return b
}

// appendRFC3339Millis is slog's text time (log/slog/handler.go): RFC 3339 to the millisecond,
// always three digits.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // the fourth digit dropped
}
