package mock

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpecialCharChange holds CMDB's escaping, its order of replacements included
// (bk-cmdb src/common/paraparse/app.go:103-118 @111e7ac).
func TestSpecialCharChange(t *testing.T) {
	for in, want := range map[string]string{
		".": `\.`, "a+b": "a+b", "C++": "C++", "(x)": `\(x\)`, `\`: `\\`, `\.`: `\\\.`,
		"a.b\\c": `a\\.b\\c`, "!@#%&_+=,<>/`~-": "!@#%&_+=,<>/`~-", "[a]{1}^$?*|": `\[a\]\{1\}\^\$\?\*\|`,
	} {
		assert.Equal(t, want, specialCharChange(in), in)
	}
}

// TestLikePatternAgainstPCRE holds likePattern to PCRE2, MongoDB's engine from 6.1 (and PCRE's
// syntax before it), through grep -P: for strings and patterns drawn from characters that are
// PCRE syntax or fold together, the Go pattern of each search string matches the lines PCRE
// matches with CMDB's pattern, case aside and not, and is refused where PCRE refuses it. Only a
// search string with a backslash may be refused where PCRE reads it.
func TestLikePatternAgainstPCRE(t *testing.T) {
	grep, err := exec.LookPath("grep")
	if err == nil {
		probe := exec.Command(grep, "-qP", `^\w$`)
		probe.Stdin = strings.NewReader("x\n")
		if probe.Run() != nil {
			err = errors.New("this grep has no -P")
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("grep -P is not available (%v); .ci/run installs Debian's grep", err)
		}
		t.Skipf("grep -P is not available (%v): likePattern is not compared with PCRE", err)
	}
	rng := rand.New(rand.NewPCG(27, 61))
	draw := func(alphabet []string, most int) string {
		var b strings.Builder
		for range 1 + rng.IntN(most) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	letters := []string{"a", "A", "b", "c", ".", "é", "É", "k", "K", "\u212a"} // K, k and the Kelvin sign fold together
	searchable := append(letters, "+", "++", "+")
	syntax := append(searchable, `\`, `\`, "(", ")", "|", "*", "?", "[", "]", "$", "^")
	lines := []string{"aa", "aab", "a+b", "C++", "cloud", "ÉÉ", "éa", "\u212a\u212a", "kK", "a.b", "a\\b"}
	for range 400 {
		lines = append(lines, draw(letters, 8))
	}
	input := []byte(strings.Join(lines, "\n") + "\n")
	// The patterns: CMDB's of search strings, and patterns of likePattern's own language drawn as
	// they are (an unescaped . after a possessive literal, which no search string makes).
	var patterns []string
	mayRefuse := map[string]bool{} // made of a search with a backslash
	for _, search := range []string{"a++a", "a++A", "a++b", "k++\u212a", "é++É", "C++", "a++", "+a", "a+++", ".\\++a", ".\\++\\"} {
		patterns = append(patterns, specialCharChange(search))
	}
	for i := range 900 {
		search := draw(searchable, 6)
		if i%3 == 0 {
			search = draw(syntax, 6)
		}
		patterns = append(patterns, specialCharChange(search))
		mayRefuse[specialCharChange(search)] = strings.Contains(search, `\`)
	}
	patterns = append(patterns, "a++.", "a++.b", "É++.", "b.++a", ".++")
	atoms := append(letters, `\.`, "+", "++")
	for range 300 {
		patterns = append(patterns, draw(atoms, 6))
	}
	for _, pattern := range patterns {
		for _, fold := range []bool{true, false} {
			args := []string{"-nP"}
			if fold {
				args = append(args, "-i")
			}
			cmd := exec.Command(grep, append(args, "--", pattern)...)
			cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
			cmd.Stdin = bytes.NewReader(input)
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			pcreRefuses := errors.As(err, &exit) && exit.ExitCode() == 2
			require.True(t, err == nil || errors.As(err, &exit) && exit.ExitCode() <= 2, "grep: %v %s", err, stderr.String())

			p, perr := likePattern(pattern, fold)
			if pcreRefuses {
				assert.ErrorIs(t, perr, errRefusedPattern, "%q (fold %v): PCRE refuses it: %s", pattern, fold, stderr.String())
				continue
			}
			if errors.Is(perr, errRefusedPattern) && mayRefuse[pattern] {
				continue // a backslash after another special leaves PCRE syntax Go's regexp lacks (?+, *+)
			}
			if !assert.NoError(t, perr, "%q (fold %v): PCRE reads it", pattern, fold) {
				continue
			}
			re := regexp.MustCompile(p)
			var want, got []int
			for _, n := range strings.Fields(out.String()) {
				k, err := strconv.Atoi(strings.TrimSuffix(n[:strings.IndexByte(n, ':')+1], ":"))
				require.NoError(t, err)
				want = append(want, k)
			}
			for k, line := range lines {
				if re.MatchString(line) {
					got = append(got, k+1)
				}
			}
			assert.Equal(t, want, got, "%q (fold %v): Go pattern %s", pattern, fold, p)
		}
	}
}
