package mock

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock/redislog"
	"github.com/cmdbmock/cmdbmock/spec"
)

// replica keeps a mock's store in step with the other replicas of a shared store: it appends
// its writes to the shared log, applies every replica's writes in the log's order, and before
// each call reads the log up to its end, so that a call sees every write acknowledged before it,
// whichever replica took it. What a replica acknowledged is in Redis: a kill -9 loses nothing.
type replica struct {
	s   *Server
	log *redislog.Log

	mu      sync.Mutex // one applier at a time: the log's order is the store's
	applied string     // the last entry applied
	since   int        // entries applied since the last snapshot
	// snapshot is the entry the latest snapshot covers up to, as this replica last saw it.
	snapshot string
	pending  map[string]chan outcome
	tokens   map[string]struct{} // the tokens of the writes applied lately, and their order
	order    []string
	moved    chan struct{} // closed, and replaced, whenever applied moves

	healthMu sync.Mutex
	lastErr  error // of the last read of the log; nil: in step

	lasts lastReads // the look-ups of the log's end, shared by the calls that come together

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

const (
	// compactEvery is how many entries the log holds past its snapshot before a replica writes a
	// new one and trims the log: Redis holds the state and a bounded tail of writes.
	compactEvery = 50_000
	readBatch    = 1000
)

// openReplica joins the shared store at cfg.Store: it loads the latest snapshot, seeds the log if
// it is empty (once, under a lock, however many replicas start at once), applies the log to its
// end, and then follows it.
func openReplica(ctx context.Context, s *Server) (*replica, error) {
	log, err := redislog.Open(ctx, s.cfg.Store, s.cfg.StorePrefix)
	if err != nil {
		return nil, err
	}
	r := &replica{s: s, log: log, applied: "0-0", pending: map[string]chan outcome{}, tokens: map[string]struct{}{}, moved: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	r.lasts.read = func() (last string, err error) {
		err = retrying(context.Background(), func() (err error) {
			last, err = log.Last(context.Background())
			return err
		})
		return last, err
	}
	if err := r.join(ctx); err != nil {
		_ = log.Close()
		return nil, err
	}
	go r.follow()
	return r, nil
}

// join brings a starting replica to the log's end.
func (r *replica) join(ctx context.Context) error {
	if err := r.agree(ctx); err != nil {
		return err
	}
	if err := r.loadSnapshot(ctx); err != nil {
		return err
	}
	if r.applied == "0-0" { // no snapshot: the log must hold the seed its writes follow
		if err := r.seed(ctx); err != nil {
			return err
		}
	}
	return r.catchUp(ctx)
}

// seed seeds a store whose log holds no seed, once, whichever replica comes first: an empty
// store, or one that lost its data while replicas ran on it and wrote to it (a Redis without
// persistence that came back empty), whose writes then follow no state a replica can rebuild.
func (r *replica) seed(ctx context.Context) error {
	for {
		ok, err := r.seeded(ctx)
		if err != nil || ok {
			return err
		}
		release, locked, err := r.log.Lock(ctx, "seed", 30*time.Second)
		if err != nil {
			return err
		}
		if !locked {
			time.Sleep(50 * time.Millisecond) // another replica is seeding
			continue
		}
		if ok, err = r.seeded(ctx); err == nil && !ok {
			if last, err := r.log.Last(ctx); err == nil && last != "0-0" {
				r.s.log.Warn("shared store: its log holds writes but not the seed they follow, as a store that lost its data while replicas wrote to it (a Redis without persistence that came back empty); seeded again, and the writes before the seed are gone",
					"last", last)
			}
			var data []byte
			if data, err = json.Marshal(reset{Seed: r.s.resetSeed(), At: r.s.cfg.Now().UnixMilli()}); err == nil {
				_, err = r.log.AppendSeed(ctx, kindOf(reset{}), data)
			}
		}
		release()
		return err
	}
}

// seeded reports whether the log holds the seed every write in it follows: its first entry, or
// the one the store names as seeded again after it lost its data.
func (r *replica) seeded(ctx context.Context) (bool, error) {
	first, ok, err := r.log.First(ctx)
	if err != nil || !ok {
		return false, err
	}
	if isSeed(first) {
		return true, nil
	}
	return r.log.SeedHeld(ctx)
}

// isSeed reports whether an entry is a seed: a reset no call appended (a call's has its token).
func isSeed(e redislog.Entry) bool { return e.Token == "" && e.Kind == kindOf(reset{}) }

// agree refuses a store whose replicas run otherwise than this one would: the first replica to
// come writes its terms, and each that comes after compares its own with them.
func (r *replica) agree(ctx context.Context) error {
	mine, err := r.s.terms()
	if err != nil {
		return err
	}
	b, err := json.Marshal(mine)
	if err != nil {
		return err
	}
	stored, err := r.log.Agree(ctx, "terms", b)
	if err != nil {
		return err
	}
	var theirs map[string]string
	if err := json.Unmarshal(stored, &theirs); err != nil {
		return fmt.Errorf("the shared store's terms: %w", err)
	}
	var differ []string
	for _, k := range slices.Sorted(maps.Keys(mine)) {
		switch t, ok := theirs[k]; {
		case !ok || t == mine[k]: // a term the first replica did not know of is not checked
		case k == termFixtures:
			differ = append(differ, "the fixtures differ")
		default:
			differ = append(differ, fmt.Sprintf("%s %s here, %s in the shared store", k, mine[k], t))
		}
	}
	if len(differ) > 0 {
		return fmt.Errorf("this replica would not decide as the shared store's replicas do: %s; run every replica of a store with the same fixtures and flags, or give this one a --store-prefix of its own",
			strings.Join(differ, "; "))
	}
	return nil
}

// termFixtures names the fixtures' digest among the terms.
const termFixtures = "fixtures"

// terms are what the replicas of one store must run alike for their stores to decide alike and
// their answers to agree, each named as a user names it: the fixtures (by their SHA-256, the
// bk_token logins aside, which are each replica's to have and are not written anywhere) and the
// flags that shape what is stored and answered. Fixtures made in Go that JSON cannot encode
// have no digest, and no replica of a shared store runs on them.
func (s *Server) terms() (map[string]string, error) {
	fx := *s.fixtures()
	fx.Tokens = fixtures.Tokens{}
	b, err := json.Marshal(fx)
	if err != nil {
		return nil, fmt.Errorf("the fixtures' digest for the shared store: %w", err)
	}
	fill, iam := string(s.cfg.Fill), "on"
	if s.cfg.Fill == FillDefaults {
		fill = "defaults"
	}
	if s.cfg.IAMOff {
		iam = "off"
	}
	return map[string]string{
		termFixtures:     fmt.Sprintf("%x", sha256.Sum256(b)),
		"--max-sets":     strconv.Itoa(s.cfg.MaxSets),
		"--populate":     strconv.Itoa(s.cfg.Populate),
		"--seed":         strconv.FormatInt(s.cfg.Seed, 10),
		"--fill":         fill,
		"--cmdb-version": string(s.cfg.Version),
		"--iam":          iam,
		"--tz":           s.cfg.Location.String(),
	}, nil
}

// loadSnapshot puts the latest snapshot in the store, if there is one. A snapshot that a newer
// one replaced while it was read is left for the newer; the store keeps what it held until one
// is read whole.
func (r *replica) loadSnapshot(ctx context.Context) error {
	for tries := 1; ; tries++ {
		upTo, state, ok, err := r.log.ReadSnapshot(ctx)
		if err == nil && ok {
			err = r.s.store.ReadState(state)
		}
		switch {
		case errors.Is(err, redislog.ErrSnapshotReplaced) && tries < 5:
			continue
		case err != nil:
			return fmt.Errorf("the shared store's snapshot: %w", err)
		case ok:
			r.applied, r.snapshot, r.since = upTo, upTo, 0
		}
		return nil
	}
}

// append adds a command to the log under token and returns the entry's id.
func (r *replica) append(ctx context.Context, c command, token string) (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return r.log.Append(ctx, kindOf(c), data, token)
}

// submit appends a write and waits until this replica applied it: its outcome is what every
// replica's store decided of it.
func (r *replica) submit(ctx context.Context, c command) (outcome, error) {
	token := redislog.NewToken()
	got, before := r.expect(token)
	defer r.forget(token)
	// The write is appended even if the caller goes away: it is acknowledged once in the log.
	var id string
	err := retrying(ctx, func() (err error) {
		id, err = r.append(context.WithoutCancel(ctx), c, token)
		return err
	})
	if err != nil {
		return outcome{}, err
	}
	if !redislog.Before(before, id) { // a new entry at or before one applied: the ids started anew
		r.wentBack(before, id)
	}
	return r.await(ctx, id, got)
}

// expect makes the channel the outcome of the write under token comes on, once this replica
// applies it, and says what the replica had applied then.
func (r *replica) expect(token string) (got <-chan outcome, applied string) {
	ch := make(chan outcome, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending[token] = ch
	return ch, r.applied
}

// forget lets the write under token go, answered or not.
func (r *replica) forget(token string) {
	r.mu.Lock()
	delete(r.pending, token)
	r.mu.Unlock()
}

// errAnswerLost is a write of this replica's that a snapshot covered before the replica applied
// it: the store holds what it decided, which this replica cannot know.
var errAnswerLost = errors.New("a snapshot another replica wrote covered the write before this replica applied it, and with it what the store decided")

// await waits until the entry id is applied here and returns the outcome that came on got. An
// entry the replica went past without applying it (it loaded a snapshot that covers it) has none.
func (r *replica) await(ctx context.Context, id string, got <-chan outcome) (outcome, error) {
	if err := r.waitFor(ctx, id); err != nil {
		return outcome{}, err
	}
	select { // readAndApply sends the outcome as it moves past the entry, under the lock waitFor reads
	case out := <-got:
		return out, nil
	default:
		return outcome{}, errAnswerLost
	}
}

// sync brings the store up to the log's end as it is now: a call sees every write acknowledged
// before it. The calls that come while a look-up of the end is out share the next one.
func (r *replica) sync(ctx context.Context) error {
	r.mu.Lock()
	before := r.applied
	r.mu.Unlock()
	last, err := r.lasts.get(ctx)
	if err != nil {
		r.setErr(err)
		return err
	}
	if redislog.Before(last, before) { // the log's end, looked up since, before what was applied
		r.wentBack(before, last)
	}
	return r.waitFor(ctx, last)
}

// wentBack reads the log again from its start, when an entry of it, seen after this replica had
// applied the entry before, is not after it. A stream's ids only grow, and its last entry is
// never trimmed: its ids started anew, as when Redis lost its data (a Redis without persistence
// that came back empty, or one emptied), and the entries since, which may fall at or before the
// ones applied (in the same millisecond as the last before, or from a Redis whose clock is
// behind), would never be read after it. The writes read again that were applied already are
// known by their tokens and not applied twice.
func (r *replica) wentBack(before, seen string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if redislog.Before(r.applied, before) {
		return // another call read it again already
	}
	r.s.log.Warn("shared store: the log's ids went back past what this replica applied, as when Redis lost its data; this replica reads the log again from its start (run Redis with persistence to keep what was written)",
		"applied", r.applied, "seen", seen)
	r.applied, r.snapshot, r.since = "0-0", "", 0
}

// lastReads shares the look-ups of the log's end between calls: while one is out, the calls that
// come wait for the next, which starts once it is back, and share it. Each call's answer comes
// from a look-up that started after the call came, so it holds every write acknowledged before
// the call; under load, a round trip serves every call that came during the one before.
type lastReads struct {
	// read looks the end up; it is the waiting calls', not one caller's, and runs to its end
	// whoever goes away.
	read func() (string, error)
	mu   sync.Mutex
	out  bool       // a look-up is out
	next *lastRound // the look-up the calls that came since wait for
}

// lastRound is a look-up of the log's end and the calls that share it.
type lastRound struct {
	done    chan struct{}
	last    string
	err     error
	waiting int // the calls that share it
}

// get returns the log's end from a look-up that starts after the call came.
func (l *lastReads) get(ctx context.Context) (string, error) {
	l.mu.Lock()
	if l.next == nil {
		l.next = &lastRound{done: make(chan struct{})}
	}
	round := l.next
	round.waiting++
	if !l.out { // none out: this round starts now
		l.out, l.next = true, nil
		go l.run(round)
	}
	l.mu.Unlock()
	select {
	case <-round.done:
		return round.last, round.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// run makes a look-up for its round, then starts the next round if calls came meanwhile.
func (l *lastReads) run(round *lastRound) {
	for round != nil {
		round.last, round.err = l.read()
		close(round.done)
		l.mu.Lock()
		round, l.next = l.next, nil
		l.out = round != nil
		l.mu.Unlock()
	}
}

// retrying runs f again, for about a second and a half, while Redis does not answer: a Redis
// that just came back is reached by a call that comes in the moment after (the client keeps
// refusing to dial for up to a second after a refused dial).
func retrying(ctx context.Context, f func() error) error {
	err := f()
	for wait := 50 * time.Millisecond; err != nil && wait <= 800*time.Millisecond && ctx.Err() == nil; wait *= 2 {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			err = f()
		}
	}
	return err
}

// waitFor waits until the entry id is applied, applying the log itself when the follower lags.
func (r *replica) waitFor(ctx context.Context, id string) error {
	for {
		r.mu.Lock()
		done, moved := !redislog.Before(r.applied, id), r.moved
		r.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
			if err := r.catchUp(ctx); err != nil {
				return err
			}
		}
	}
}

// catchUp applies the log to its end as it is now.
func (r *replica) catchUp(ctx context.Context) error {
	for {
		n, err := r.readAndApply(ctx, 0)
		if err != nil || n == 0 {
			return err
		}
	}
}

// readAndApply reads a batch of entries after the last applied, waiting up to block for one,
// and applies them in order. An entry of the log that was trimmed before this replica applied
// it means a snapshot covers it: the replica reloads from the snapshot.
func (r *replica) readAndApply(ctx context.Context, block time.Duration) (int, error) {
	upTo, err := r.log.Snapshot(ctx)
	if err != nil {
		r.setErr(err)
		return 0, err
	}
	r.mu.Lock()
	if upTo != r.snapshot {
		r.snapshot, r.since = upTo, 0 // another replica wrote one: the count starts anew
	}
	if upTo != "" && redislog.Before(r.applied, upTo) { // also from "0-0": a log read again
		err = r.loadSnapshot(ctx)
	}
	after := r.applied
	r.mu.Unlock()
	if err != nil {
		return 0, err
	}
	entries, err := r.log.Read(ctx, after, readBatch, block)
	r.setErr(err)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range entries {
		if !redislog.Before(r.applied, e.ID) {
			continue // applied by another goroutine meanwhile
		}
		if isSeed(e) && r.applied != "0-0" {
			// A seed, which a starting replica appends to an empty store only: the store lost
			// what this replica applied (a Redis without persistence that came back empty).
			r.s.log.Warn("shared store: a starting replica found the shared store empty and seeded it; this replica follows it, and what it held is gone (run Redis with persistence to keep it)",
				"applied_before", r.applied, "sets_before", r.s.store.Len())
		}
		r.applied = e.ID
		if r.seen(e.Token) {
			continue // a write appended twice (its first answer was lost, and it was sent again)
		}
		c, err := decodeCommand(e.Kind, e.Data)
		var out outcome
		if err != nil {
			r.s.log.Error("shared store: an entry this replica cannot read is skipped", "entry", e.ID, "err", err)
		} else {
			out = c.apply(r.s)
		}
		if got, ok := r.pending[e.Token]; ok {
			got <- out
			delete(r.pending, e.Token)
		}
		r.since++
		n++
	}
	if n > 0 {
		close(r.moved)
		r.moved = make(chan struct{})
	}
	return n, nil
}

// recentTokens is how many writes' tokens a replica remembers, to apply a write appended twice
// once: a retry comes within seconds of the first.
const recentTokens = 100_000

// seen reports whether the token's write was applied already, and remembers it.
func (r *replica) seen(token string) bool {
	if token == "" {
		return false
	}
	if _, ok := r.tokens[token]; ok {
		return true
	}
	r.tokens[token] = struct{}{}
	r.order = append(r.order, token)
	if len(r.order) > recentTokens {
		delete(r.tokens, r.order[0])
		r.order = r.order[1:]
	}
	return false
}

// follow applies the log as it grows, until the replica stops, and now and then writes a
// snapshot so that the log can be trimmed.
func (r *replica) follow() {
	defer close(r.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-r.stop; cancel() }()
	// A snapshot is written beside the follower, which goes on applying the log meanwhile, one
	// at a time; the follower stops once it is done.
	var snapshots sync.WaitGroup
	defer snapshots.Wait()
	var writing atomic.Bool
	for wait := 100 * time.Millisecond; ctx.Err() == nil; {
		if _, err := r.readAndApply(ctx, time.Second); err != nil {
			if ctx.Err() == nil {
				r.s.log.Warn("shared store: reading the log failed; retrying", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
				wait = min(2*wait, 5*time.Second)
			}
			continue
		}
		wait = 100 * time.Millisecond
		if r.snapshotDue() && writing.CompareAndSwap(false, true) {
			snapshots.Go(func() {
				defer writing.Store(false)
				r.compact(ctx)
			})
		}
	}
}

// snapshotDue reports whether the log holds compactEvery entries past the last snapshot.
func (r *replica) snapshotDue() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(r.since) >= r.s.compactEvery.Load()
}

// compact writes a snapshot of the store and trims the log, unless another replica is writing
// one.
func (r *replica) compact(ctx context.Context) {
	release, ok, err := r.log.Lock(ctx, "snapshot", 5*time.Minute)
	if err != nil || !ok {
		return
	}
	defer release()
	// The store is copied as of one entry, applying held only while it is copied; the copy is
	// written to Redis as it is made, a chunk at a time, never whole in memory.
	start := time.Now()
	r.mu.Lock()
	upTo, write := r.applied, r.s.store.StateWriter()
	r.since = 0
	r.mu.Unlock()
	pr, pw := io.Pipe()
	state := &countingWriter{w: pw}
	go func() { pw.CloseWithError(write(state)) }()
	err = r.log.WriteSnapshot(ctx, upTo, pr)
	pr.CloseWithError(err) // a snapshot Redis stopped taking stops its writer too
	switch {
	case err != nil && ctx.Err() != nil: // the replica stops: the next one to write a snapshot does
		return
	case err != nil:
		r.s.log.Error("shared store: a snapshot failed", "err", err)
		return
	}
	r.s.log.Info("shared store: snapshot written, log trimmed", "up_to", upTo, "bytes", state.n,
		"seconds", math.Round(time.Since(start).Seconds()*100)/100)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (r *replica) setErr(err error) {
	r.healthMu.Lock()
	r.lastErr = err
	r.healthMu.Unlock()
}

// health is why the replica is not in step with the shared store; nil when it is.
func (r *replica) health() error {
	r.healthMu.Lock()
	defer r.healthMu.Unlock()
	return r.lastErr
}

// close stops following the log.
func (r *replica) close() {
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		_ = r.log.Close()
	})
}

// storeFailure answers a call whose write or read the shared store did not serve.
func (c *call) storeFailure(err error) answer {
	if errors.Is(err, errAnswerLost) {
		return c.failure(spec.MsgAnswerLost)
	}
	return c.failure(spec.MsgStoreUnavailable, err)
}

// inStep brings a shared store up to the log's end before a call is served; it answers the call
// with the mock's own error, and stale, when the shared store cannot be read.
func (s *Server) inStep(c *call) (a answer, stale bool) {
	if s.shared == nil {
		return answer{}, false
	}
	if err := s.shared.sync(c.ctx); err != nil {
		return c.storeFailure(err), true
	}
	return answer{}, false
}

// storeKind says where the store lives: this process's memory, or a shared store, with what its
// replicas share and what each keeps.
func (s *Server) storeKind() map[string]any {
	if s.shared == nil {
		return map[string]any{"kind": "memory"}
	}
	return map[string]any{"kind": "redis", "prefix": s.cfg.StorePrefix,
		"shared":      []string{"businesses", "sets", "modules", "hosts in modules", "custom-level nodes", "id counters", "unique names", "fault rules"},
		"per_replica": []string{"journal", "metrics", "fault rules' firing counts"}}
}

// resetSeed is the seed a reset draws the populated sets from: the configured one, or, with
// none, one drawn now and written in the log, so that every replica draws alike.
func (s *Server) resetSeed() int64 {
	if s.cfg.Seed != 0 {
		return s.cfg.Seed
	}
	return rand.Int64N(1<<62) + 1
}
