// Package mock serves a faithful stand-in of BlueKing CMDB's create_set call on its two
// surfaces, ESB and the v3 API: every request is validated against the spec with kin-openapi,
// then put through the real system's checks in their order, and answered with the same
// envelope, codes and messages. Created sets live in one in-memory Store per Server.
package mock
