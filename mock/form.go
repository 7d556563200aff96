package mock

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/internal/lazyre"
)

// ESB takes a call's parameters that are not JSON from Django 1.11's QueryDict: request.GET, or
// request.POST for a form body (blueking-apigateway src/esb/esb/common/base_utils.py:232-245
// @048bdd7; django==1.11.29, src/esb/esb/requirements.txt:20). This file reads them as Django
// does. Django's limit of 1,000 fields is not imitated: --max-body bounds a body.

// djangoQuery is a query string, or a form body, as QueryDict reads it (django/utils/http.py,
// limited_parse_qsl with keep_blank_values): its bytes as UTF-8, or as Latin-1 when they are not
// UTF-8; pairs split at & and at ;, empty ones skipped; a pair without = an empty value; + a
// space, then escapes decoded as Python's unquote does. A repeated key is its last value, as
// MultiValueDict.items gives it (django/utils/datastructures.py).
func djangoQuery(raw string) map[string]any {
	if !utf8.ValidString(raw) {
		raw = latin1(raw)
	}
	m := map[string]any{}
	for pair := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		name, value, _ := strings.Cut(pair, "=")
		m[pyUnquote(name)] = pyUnquote(value)
	}
	return m
}

// djangoForm is a form body's parameters, request.POST (django/http/request.py,
// HttpRequest._load_post_and_files): the fields of a urlencoded or a multipart body, told by the
// content type as it was written; no parameters under any other content type.
func djangoForm(contentType string, body []byte) map[string]any {
	mediaType, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(mediaType) {
	case "application/x-www-form-urlencoded":
		return djangoQuery(string(body))
	case "multipart/form-data":
		return multipartFields(contentType, body)
	}
	return map[string]any{}
}

// multipartFields is what Django's MultiPartParser puts in request.POST: each part that names a
// field and no file, its value base64-decoded when the part says so, read as UTF-8 with what is
// not replaced. Where Django's parser fails, request.POST is never made: a body that is not
// multipart, or cut short, is no parameters.
func multipartFields(contentType string, body []byte) map[string]any {
	m := map[string]any{}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return m
	}
	// NextRawPart: Django does not decode quoted-printable, which NextPart would.
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return m
		}
		if err != nil {
			return map[string]any{}
		}
		value, err := io.ReadAll(p)
		if err != nil {
			return map[string]any{}
		}
		if p.FormName() == "" || p.FileName() != "" {
			continue
		}
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			if decoded, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(value))); err == nil {
				value = decoded
			}
		}
		m[pyDecode([]byte(p.FormName()))] = pyDecode(value)
	}
}

// pyUnquote is Python's urllib.parse.unquote of a value with + read as a space: each run of ASCII
// has its whole %XX escapes decoded (a % without two hex digits stays as it came), and the bytes
// of the run are read as UTF-8 with each invalid part replaced; other characters stay as they are.
func pyUnquote(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	var out strings.Builder
	for s != "" {
		ascii := strings.IndexFunc(s, func(r rune) bool { return r >= utf8.RuneSelf })
		if ascii == 0 {
			_, size := utf8.DecodeRuneInString(s)
			out.WriteString(s[:size])
			s = s[size:]
			continue
		}
		if ascii < 0 {
			ascii = len(s)
		}
		out.WriteString(pyDecode(unescape(s[:ascii])))
		s = s[ascii:]
	}
	return out.String()
}

// unescape decodes the %XX escapes of s, keeping every other byte.
func unescape(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(c))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return b
}

// pyDecode is Python's bytes.decode("utf-8", "replace"): each maximal part of an invalid
// sequence (the longest start of a well-formed one, or a byte that starts none) is one U+FFFD.
func pyDecode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			size = invalidPart(b)
			out.WriteRune(utf8.RuneError)
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.String()
}

// invalidPart is the length of the maximal part of the invalid sequence b starts with: the
// bytes of it that could still begin a well-formed sequence (Unicode 3.9, table 3-7).
func invalidPart(b []byte) int {
	lo, hi, n := byte(0x80), byte(0xBF), 0
	switch c := b[0]; {
	case 0xC2 <= c && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c == 0xED:
		n, hi = 3, 0x9F
	case 0xE1 <= c && c <= 0xEF:
		n = 3
	case c == 0xF0:
		n, lo = 4, 0x90
	case 0xF1 <= c && c <= 0xF3:
		n = 4
	case c == 0xF4:
		n, hi = 4, 0x8F
	default:
		return 1
	}
	i := 1
	for ; i < n && i < len(b) && lo <= b[i] && b[i] <= hi; i++ {
		lo, hi = 0x80, 0xBF
	}
	return i
}

// latin1 reads each byte of s as the character of that code, as Python's decode("iso-8859-1").
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// djangoInt is a text as ESB's form reads a whole number (Django 1.11's IntegerField): a point
// with zeros and white space after it to the end removed (its re_decimal, \.0*\s*$), then
// Python's int(): white space around it, a sign, decimal digits of any script with single
// underscores between them. It returns the number's ASCII digits.
func djangoInt(s string) (string, bool) {
	if t := strings.TrimRight(strings.TrimRightFunc(s, pythonSpace), "0"); strings.HasSuffix(t, ".") {
		s = t[:len(t)-1]
	}
	// int() reads white space past ASCII as a space and a digit of another script as its digit.
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Nd, r):
			b.WriteByte('0' + digitValue(r))
		default:
			return "", false
		}
	}
	t := strings.Trim(b.String(), " \t\n\v\f\r")
	if !pythonIntText().MatchString(t) {
		return "", false
	}
	n, ok := new(big.Int).SetString(strings.ReplaceAll(t, "_", ""), 10)
	if !ok {
		return "", false
	}
	return n.String(), true
}

// pythonIntText is the text Python's int() reads, once its digits are ASCII.
var pythonIntText = lazyre.New(`^[-+]?[0-9](_?[0-9])*$`)

// pythonSpace is Python's white space (str.isspace, and \s in a pattern): Go's, and the four
// separators 0x1C-0x1F.
func pythonSpace(r rune) bool { return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f }

// digitValue is the value of a decimal digit: Unicode puts each script's ten in a run from zero.
func digitValue(r rune) byte {
	start := r
	for unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return byte((r - start) % 10)
}
