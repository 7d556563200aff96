// Package jsonx is the mock's JSON engine for the hot path, held to encoding/json's verdicts and
// values by tests and fuzz targets: Parse decodes one value in one pass over the text (numbers
// as json.Number, strings cut from the text, maps lent by a Stock), Members walks an object's
// members leaving each value as its text, and AppendString quotes a string as encoding/json
// does. It knows nothing of CMDB.
package jsonx
