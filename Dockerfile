# syntax=docker/dockerfile:1
# Build: docker build --build-arg COMMIT=$(git rev-parse HEAD) --build-arg COMMIT_TIME=$(git show -s --format=%cI) -t cmdbmock .
# Run:   docker run --rm -p 127.0.0.1:8080:8080 -e CMDBMOCK_ADMIN_NETWORKS=172.16.0.0/12 cmdbmock
#        The port is published on this machine's loopback alone; calls to it reach the container
#        from Docker's bridge (in 172.16.0.0/12), which CMDBMOCK_ADMIN_NETWORKS trusts for the
#        admin API (/__mock/). Published on every interface, set CMDBMOCK_ADMIN_TOKEN instead.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces a module with the copy under third_party (third_party/README.md).
COPY third_party ./third_party
RUN go mod download
COPY . .
# A static binary: the final image has no libc. The build context has no .git: the commit that
# `cmdbmock version` shows comes from the build arguments.
ARG COMMIT=unknown COMMIT_TIME=unknown
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -o /out/cmdbmock \
    -ldflags="-s -w -X main.stampedCommit=${COMMIT} -X main.stampedTime=${COMMIT_TIME}" ./cmd/cmdbmock

# distroless/static: no shell, no curl, CA certificates for checking TLS targets, a nonroot user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/cmdbmock /usr/local/bin/cmdbmock
# Inside the container listen on every interface.
ENV CMDBMOCK_ADDR=:8080
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 CMD ["/usr/local/bin/cmdbmock", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/cmdbmock"]
CMD ["serve"]
