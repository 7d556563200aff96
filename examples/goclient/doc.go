// Package goclient is the Go client that oapi-codegen generates from spec/openapi.yaml with its
// default output (models, client, Echo server interface, embedded document), kept as an example
// of what users get from the contract. Its tests call the mock through it, and fail when the
// committed code drifts from what the generator makes of the current document.
package goclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../spec/openapi.yaml
