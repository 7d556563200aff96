package jsonx

import (
	"encoding/json"
	"errors"
	"io"
)

// ErrTrailing: something other than white space follows the one JSON value a text holds.
var ErrTrailing = errors.New("something follows the JSON value")

// DecodeWhole decodes the value dec reads into v, as dec's settings decode it, and refuses a
// text in which anything but white space follows that value (ErrTrailing), as a client's
// json.Unmarshal or json.loads refuses it whole.
func DecodeWhole(dec *json.Decoder, v any) error {
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrTrailing
	}
	return nil
}
