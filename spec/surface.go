package spec

import (
	"strconv"
	"strings"
)

// Surface is the gateway a call comes through. Both the mock (to answer) and contracttest (to
// call and judge) read these facts of the contract from here.
type Surface string

// The two surfaces of CMDB's calls.
const (
	SurfaceESB Surface = "esb" // credentials and arguments in the body; request_id in the envelope
	SurfaceV3  Surface = "v3"  // the API gateway: arguments as the body, credentials in a header
)

// Headers the surfaces read and write.
const (
	HeaderESBLanguage   = "Blueking-Language"     // ESB: the language of CMDB's messages
	HeaderV3Language    = "X-Bkapi-Language"      // v3 on 3.12 and 3.13: the language of CMDB's messages
	HeaderV3Language314 = "X-Bkcmdb-Language"     // v3 on 3.14: the language of CMDB's messages
	HeaderAuthorization = "X-Bkapi-Authorization" // the API gateway's credentials, as JSON
	HeaderRequestID     = "X-Request-Id"          // v3: the request chain id
	HeaderGatewayID     = "X-Bkapi-Request-Id"    // v3: the API gateway's id of the call, a uuid with dashes
	// The API gateway's own errors carry their code and message in these headers too.
	HeaderGatewayErrorCode = "X-Bkapi-Error-Code"
	// The API gateway's quota of a rate-limited resource, on each answer past its app checks.
	HeaderRateLimit           = "X-Bkapi-Ratelimit-Limit"
	HeaderRateLimitRemaining  = "X-Bkapi-Ratelimit-Remaining"
	HeaderRateLimitReset      = "X-Bkapi-Ratelimit-Reset"
	HeaderRateLimitPlugin     = "X-Bkapi-Ratelimit-Plugin"
	HeaderGatewayErrorMessage = "X-Bkapi-Error-Message"
)

// V3LanguageHeader is the header the v3 route of a release takes its language from: the JWT
// path of 3.12 and 3.13 reads X-Bkapi-Language, that of 3.14 only X-Bkcmdb-* headers.
func (v Version) V3LanguageHeader() string {
	if v == V314 {
		return HeaderV3Language314
	}
	return HeaderV3Language
}

// ParseLanguage reads a language header as CMDB does: exactly "en" gives English, anything else
// ("EN", "en-US", "zh-hans") Chinese, and an absent header the surface's default (reference
// §2.3). HTTP has trimmed the value's surrounding white space already.
func ParseLanguage(h string, absent Lang) Lang {
	switch h {
	case "":
		return absent
	case "en":
		return English
	}
	return Chinese
}

// LayerOf is who answers with a code: ESB's own codes are 1306xxx, the API gateway's 1640xxx and
// 1642xxx, the rest are CMDB's (its API server's among them, which Message.Layer tells apart).
func LayerOf(code int) Layer {
	switch code / 1000 {
	case 1306:
		return LayerESB
	case 1640, 1642:
		return LayerGateway
	}
	return LayerCMDB
}

// ParseAcceptLanguage reads Accept-Language as ESB's Django picks the language of its form
// messages: the most preferred tag whose language is one it has, English or Chinese (any zh
// variant falls back to zh-hans); English when none is (reference §2.3).
func ParseAcceptLanguage(h string) Lang {
	type choice struct {
		lang Lang
		q    float64
	}
	var best *choice
	for part := range strings.SplitSeq(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		var l Lang
		switch primary {
		case "en":
			l = English
		case "zh":
			l = Chinese
		default:
			continue
		}
		if q > 0 && (best == nil || q > best.q) {
			best = &choice{l, q}
		}
	}
	if best == nil {
		return English
	}
	return best.lang
}
