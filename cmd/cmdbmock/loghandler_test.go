package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzLogLine holds lineHandler to slog's own handlers: the same record, in the same zone,
// writes the same bytes in both formats, whatever its message, keys and values.
func FuzzLogLine(f *testing.F) {
	f.Add("request", "path", "/api/c/compapi/v2/cc/create_set/", "user", "admin", int64(200), 0.123, true, int64(1796427801986000123), 8*3600)
	f.Add("state saved", "file", "/tmp/a b.json", "err", "", int64(-1), 1e-7, false, int64(0), -5*3600-1800)
	f.Add("x=y", "k\"ey", "值 with space", "tab", "a\tb\x00\u2028\xff", int64(math.MaxInt64), 1e21, true, int64(-62135596800000000), 0)
	f.Add("", "a=b", "\\back", "nl", "line\nnext", int64(math.MinInt64), math.Copysign(0, -1), false, int64(253402300800000000), 14*3600)
	f.Fuzz(func(t *testing.T, msg, k1, v1, k2, v2 string, n int64, x float64, yes bool, unixNano int64, offset int) {
		loc := time.FixedZone("", offset%(18*3600))
		at := time.Unix(0, unixNano)
		for _, json := range []bool{false, true} {
			var out bytes.Buffer // the fast line, then slog's
			h := newLineHandler(&out, json, slog.LevelInfo, loc)
			r := slog.NewRecord(at, slog.LevelWarn, msg, 0)
			r.AddAttrs(slog.String(k1, v1), slog.Int64("n", n), slog.Float64("x", x), slog.Bool("yes", yes), slog.String(k2, v2))
			require.NoError(t, h.Handle(context.Background(), r))
			require.NoError(t, h.slow.Handle(context.Background(), r))
			lines := bytes.SplitAfter(out.Bytes(), []byte("\n"))
			require.Len(t, lines, 3, "one line each, then nothing: %q", out.String())
			assert.Equal(t, string(lines[1]), string(lines[0]), "json %v", json)
		}
	})
}

// TestLineHandlerFallsBack: what the fast path does not write goes to slog's handler, which
// writes it in the same zone.
func TestLineHandlerFallsBack(t *testing.T) {
	var out bytes.Buffer
	h := newLineHandler(&out, false, slog.LevelInfo, time.FixedZone("", 8*3600))
	logger := slog.New(h)
	logger.Info("stopped", "err", context.Canceled, "after", time.Second)
	logger.With("replica", 2).Info("joined")
	at := time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC)
	r := slog.NewRecord(at, slog.LevelInfo, "grouped", 0)
	r.AddAttrs(slog.Group("g", slog.Int("a", 1)))
	require.NoError(t, h.Handle(context.Background(), r))
	text := out.String()
	assert.Contains(t, text, `msg=stopped err="context canceled" after=1s`)
	assert.Contains(t, text, `msg=joined replica=2`)
	assert.Contains(t, text, "time=2026-12-05T07:00:00.000+08:00 level=INFO msg=grouped g.a=1\n")
	assert.Equal(t, 3, bytes.Count(out.Bytes(), []byte("+08:00 level=INFO")))
}

// BenchmarkLogLine writes the access log's line through slog's text handler (as the Logger
// writes it, the zone of --tz set by ReplaceAttr) and through lineHandler, handed the record.
func BenchmarkLogLine(b *testing.B) {
	loc := time.FixedZone("+08:00", 8*3600)
	attrs := []slog.Attr{slog.String("method", "POST"), slog.String("path", "/api/c/compapi/v2/cc/create_set/"),
		slog.Int("status", 200), slog.Int("code", 0), slog.String("request_id", "e43da4ef221746868dc4c837d36f3807"),
		slog.String("user", "admin"), slog.Float64("duration_ms", 0.123)}
	h := newLineHandler(io.Discard, false, slog.LevelInfo, loc)
	b.Run("slog", func(b *testing.B) {
		logger := slog.New(h.slow)
		b.ReportAllocs()
		for b.Loop() {
			logger.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
		}
	})
	b.Run("lineHandler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			r.AddAttrs(attrs...)
			_ = h.Handle(context.Background(), r)
		}
	})
}
