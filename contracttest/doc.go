// Package contracttest checks any deployment of BlueKing CMDB's create_set call, a staging
// system through ESB or the API gateway, or the mock, against one contract: the OpenAPI document,
// the catalog of codes and messages, and the order of checks in package spec.
//
// It understands CMDB's envelope (every answer is HTTP 200; "rejected" means result false with
// the documented code and message), so it judges what generic OpenAPI tools misread. It imports
// neither the mock nor Echo: it judges the mock exactly as it judges a real deployment.
//
// It is safe against a shared system: it needs an explicit business, names every set it creates
// ct-<run id>-..., paces its requests, and deletes what it created unless told not to.
package contracttest
