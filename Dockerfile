# syntax=docker/dockerfile:1
# Build: docker build -t cmdbmock .
# Run:   docker run --rm -p 8080:8080 cmdbmock

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# A static binary: the final image has no libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/cmdbmock ./cmd/cmdbmock

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
