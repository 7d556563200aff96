// Package redislog is a shared, ordered log of commands in Redis, for replicas of one mock: each
// appends its writes to one stream, and every replica reads the stream and applies what it holds
// in its order. A snapshot of the applied state, written now and then, lets the stream be
// trimmed, so that Redis holds the state and the writes since, not every write ever made.
//
// Keys live under a prefix, so one Redis can hold several mocks: <prefix>log (the stream),
// <prefix>snapshot (a hash: the entry the snapshot covers up to, and the list of its chunks),
// <prefix>snapshot:<id> (the chunks), <prefix>lock:<name> (short-lived locks), <prefix>rate:<name>
// (the calls left in a rate limit's window, gone with the window), <prefix>seed (the entry of the
// seed every write follows).
package redislog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cmdbmock/cmdbmock/internal/redact"
)

// Log is the shared log of one mock.
type Log struct {
	rdb    *redis.Client
	prefix string
}

// Entry is one command of the log.
type Entry struct {
	ID    string // the stream's id, which orders the entries
	Kind  string
	Data  []byte
	Token string // the appender's token, by which it knows its own entry
}

// quiet keeps go-redis's own log (its pool's retries) out of the mock's: the errors that matter
// come back to the caller, which says what they mean.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var setLogger sync.Once

// Open connects to redis://[user:password@]host:port/db (rediss:// for TLS) and checks that
// Redis answers. The error names the address, never its password.
func Open(ctx context.Context, address, prefix string) (*Log, error) {
	opts, err := redis.ParseURL(address)
	if err != nil {
		return nil, fmt.Errorf("--store: %s is not a redis:// or rediss:// URL: %v", redact.URL(address, unreadable), redact.Text(err.Error(), address, unreadable))
	}
	setLogger.Do(func() { redis.SetLogger(quiet{}) })
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
	// A refused dial is not tried again here: the mock's callers retry for a bounded time of
	// their own, which the client's five dials a try (100 ms apart) under its four tries
	// stretched from about two seconds to six and more.
	opts.DialerRetries = 1
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("--store: Redis at %s does not answer: %v", opts.Addr, err)
	}
	return &Log{rdb: rdb, prefix: prefix}, nil
}

// unreadable stands for a --store that does not parse as a URL, of which nothing is shown.
const unreadable = "the URL given"

// NewToken is 32 random hex digits: what marks a lock's holder, or a write appended to the log.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close lets the connections go.
func (l *Log) Close() error { return l.rdb.Close() }

func (l *Log) key(name string) string { return l.prefix + name }

// Append adds a command to the log and returns its id.
func (l *Log) Append(ctx context.Context, kind string, data []byte, token string) (string, error) {
	return l.rdb.XAdd(ctx, &redis.XAddArgs{Stream: l.key("log"), Values: []any{"k", kind, "d", data, "t", token}}).Result()
}

// Read returns at most n entries after the one of id after ("0-0": from the first), waiting up
// to block for one when there is none (0: not waiting). No entry is no error.
func (l *Log) Read(ctx context.Context, after string, n int64, block time.Duration) ([]Entry, error) {
	args := &redis.XReadArgs{Streams: []string{l.key("log"), after}, Count: n, Block: block}
	if block <= 0 {
		args.Block = -1 // no BLOCK argument: answer at once
	}
	res, err := l.rdb.XRead(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, s := range res {
		for _, m := range s.Messages {
			out = append(out, entryOf(m))
		}
	}
	return out, nil
}

// entryOf reads an entry of the stream.
func entryOf(m redis.XMessage) Entry {
	kind, _ := m.Values["k"].(string)
	data, _ := m.Values["d"].(string)
	token, _ := m.Values["t"].(string)
	return Entry{ID: m.ID, Kind: kind, Data: []byte(data), Token: token}
}

// AppendSeed adds the command every later one follows, and names its entry under <prefix>seed,
// at once: a log that lost its first entries keeps no seed at its head, and this names the one
// it was given again.
func (l *Log) AppendSeed(ctx context.Context, kind string, data []byte) (string, error) {
	return appendSeed.Run(ctx, l.rdb, []string{l.key("log"), l.key("seed")}, kind, data).Text()
}

var appendSeed = redis.NewScript(`local id = redis.call("XADD", KEYS[1], "*", "k", ARGV[1], "d", ARGV[2], "t", "")
redis.call("SET", KEYS[2], id)
return id`)

// First is the log's first entry; ok is false when the log is empty.
func (l *Log) First(ctx context.Context) (e Entry, ok bool, err error) {
	res, err := l.rdb.XRangeN(ctx, l.key("log"), "-", "+", 1).Result()
	if err != nil || len(res) == 0 {
		return Entry{}, false, err
	}
	return entryOf(res[0]), true, nil
}

// SeedHeld reports whether the log holds the entry AppendSeed named last.
func (l *Log) SeedHeld(ctx context.Context) (bool, error) {
	id, err := l.rdb.Get(ctx, l.key("seed")).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	res, err := l.rdb.XRangeN(ctx, l.key("log"), id, id, 1).Result()
	return len(res) == 1, err
}

// Last is the id of the log's last entry; "0-0" when the log is empty.
func (l *Log) Last(ctx context.Context) (string, error) {
	res, err := l.rdb.XRevRangeN(ctx, l.key("log"), "+", "-", 1).Result()
	if err != nil {
		return "", err
	}
	if len(res) == 0 {
		return "0-0", nil
	}
	return res[0].ID, nil
}

// Length is how many entries the log holds.
func (l *Log) Length(ctx context.Context) (int64, error) {
	return l.rdb.XLen(ctx, l.key("log")).Result()
}

// Lock takes the named lock for ttl, or reports that another holds it. release lets it go if it
// is still this holder's.
func (l *Log) Lock(ctx context.Context, name string, ttl time.Duration) (release func(), ok bool, err error) {
	me := NewToken()
	ok, err = l.rdb.SetNX(ctx, l.key("lock:"+name), me, ttl).Result()
	if err != nil || !ok {
		return nil, false, err
	}
	return func() {
		// Deleted only if it is still ours: a lock that outlived its ttl may be another's now.
		_ = unlock.Run(context.WithoutCancel(ctx), l.rdb, []string{l.key("lock:" + name)}, me).Err()
	}, true, nil
}

var unlock = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// chunk is the size of a snapshot's pieces: well under Redis's limit of a value.
const chunk = 8 << 20

// WriteSnapshot stores a snapshot of the state as applied up to the entry upTo, read from r, in
// place of the former one, and trims the log of the entries it covers. A snapshot it could not
// read whole leaves nothing behind.
func (l *Log) WriteSnapshot(ctx context.Context, upTo string, r io.Reader) error {
	list := l.key("snapshot:" + upTo)
	if err := l.rdb.Del(ctx, list).Err(); err != nil {
		return err
	}
	if err := l.pushChunks(ctx, list, r); err != nil {
		_ = l.rdb.Del(context.WithoutCancel(ctx), list).Err()
		return err
	}
	old, _ := l.rdb.HGet(ctx, l.key("snapshot"), "chunks").Result()
	if err := l.rdb.HSet(ctx, l.key("snapshot"), "upto", upTo, "chunks", list).Err(); err != nil {
		return err
	}
	if old != "" && old != list {
		_ = l.rdb.Del(ctx, old).Err()
	}
	return l.rdb.XTrimMinID(ctx, l.key("log"), upTo).Err()
}

// pushChunks appends what r holds to the list, a chunk at a time.
func (l *Log) pushChunks(ctx context.Context, list string, r io.Reader) error {
	buf := make([]byte, chunk)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if err := l.rdb.RPush(ctx, list, buf[:n]).Err(); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Snapshot is the entry the latest snapshot covers up to ("" when there is none).
func (l *Log) Snapshot(ctx context.Context) (string, error) {
	upTo, err := l.rdb.HGet(ctx, l.key("snapshot"), "upto").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return upTo, err
}

// ErrSnapshotReplaced: a newer snapshot took the place of the one being read, whose chunks are
// gone; read the latest again.
var ErrSnapshotReplaced = errors.New("a newer snapshot replaced the one being read")

// ReadSnapshot returns the latest snapshot and the entry it covers up to; ok is false when
// there is none. The state is fetched a chunk at a time as it is read, never whole in memory; a
// read that finds a chunk gone is ErrSnapshotReplaced.
func (l *Log) ReadSnapshot(ctx context.Context) (upTo string, state io.Reader, ok bool, err error) {
	m, err := l.rdb.HGetAll(ctx, l.key("snapshot")).Result()
	if err != nil || m["upto"] == "" {
		return "", nil, false, err
	}
	n, err := l.rdb.LLen(ctx, m["chunks"]).Result()
	if err != nil {
		return "", nil, false, err
	}
	if n == 0 {
		return "", nil, false, fmt.Errorf("snapshot up to %s: %w", m["upto"], ErrSnapshotReplaced)
	}
	return m["upto"], &chunkReader{ctx: ctx, l: l, list: m["chunks"], n: n}, true, nil
}

// chunkReader reads a snapshot's chunks in order, fetching each when the one before is read.
type chunkReader struct {
	ctx     context.Context
	l       *Log
	list    string
	n, next int64
	cur     []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.next == c.n {
			return 0, io.EOF
		}
		b, err := c.l.rdb.LIndex(c.ctx, c.list, c.next).Bytes()
		if errors.Is(err, redis.Nil) {
			err = ErrSnapshotReplaced
		}
		if err != nil {
			return 0, fmt.Errorf("snapshot chunk %d: %w", c.next, err)
		}
		c.cur, c.next = b, c.next+1
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// Agree stores value under the named key unless the key holds one already, and returns what the
// key holds then: value, or what the first to come stored.
func (l *Log) Agree(ctx context.Context, name string, value []byte) ([]byte, error) {
	if err := l.rdb.SetNX(ctx, l.key(name), value, 0).Err(); err != nil {
		return nil, err
	}
	return l.rdb.Get(ctx, l.key(name)).Bytes()
}

// Incr adds one to a counter of the log's and returns it.
func (l *Log) Incr(ctx context.Context, name string) (int64, error) {
	return l.rdb.Incr(ctx, l.key("count:"+name)).Result()
}

// take counts a call in a window of calls: the key holds the calls left, set to the limit by
// the window's first call and living as long as the window.
var take = redis.NewScript(`
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
local left = redis.call('decr', KEYS[1])
return {left, redis.call('ttl', KEYS[1])}`)

// Take counts a call under name against a limit of calls a window, every replica in one count:
// it returns the calls left, negative past the limit, and the window's whole seconds to run, as
// Redis rounds a key's TTL. The window starts at its first call.
func (l *Log) Take(ctx context.Context, name string, limit int, window time.Duration) (left, reset int64, err error) {
	res, err := take.Run(ctx, l.rdb, []string{l.key("rate:" + name)}, limit, int64(window/time.Second)).Int64Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("redislog: a count of %d values", len(res))
	}
	return res[0], res[1], nil
}

// Before reports whether stream id a is before b.
func Before(a, b string) bool {
	am, as := split(a)
	bm, bs := split(b)
	return am < bm || am == bm && as < bs
}

func split(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
