// Package spec is the contract of BlueKing CMDB's create_set call: the OpenAPI document derived
// from the published API docs, the catalog of CMDB codes and messages in English and Chinese, and
// the order in which the real system makes its checks. "Reference §N" is a section of
// docs/reference.md, whose rows cite the upstream source lines.
//
// The mock answers from it and contracttest judges from it, so both read this one copy. It is
// also the only place that configures kin-openapi.
package spec
