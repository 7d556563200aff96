package spec

import "strings"

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
	HeaderV3Language    = "X-Bkcmdb-Language"     // v3: the language of CMDB's messages
	HeaderAuthorization = "X-Bkapi-Authorization" // the API gateway's credentials, as JSON
	HeaderRequestID     = "X-Request-Id"          // v3: the request chain id
)

// ParseLanguage reads a language header: "en" gives English, anything else Chinese, and an
// absent header the surface's default.
func ParseLanguage(h string, absent Lang) Lang {
	h = strings.TrimSpace(h)
	switch {
	case h == "":
		return absent
	case strings.EqualFold(h, "en"):
		return English
	}
	return Chinese
}

// LayerOf is who answers with a code: ESB's own codes are 1306xxx, the rest are CMDB's.
func LayerOf(code int) Layer {
	if code/1000 == 1306 {
		return LayerESB
	}
	return LayerCMDB
}
