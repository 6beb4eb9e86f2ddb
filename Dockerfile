# neighbourbot in a container: the static release binary (scripts/release)
# in an image with nothing else — no shell, no libc — run as a non-root
# user, its data in the /data volume. Build:
#
#   podman build --format docker -t neighbourbot .   (or docker build;
#   podman needs --format docker to keep the HEALTHCHECK)
#
# and see docs/operations.md ("In a container") and compose.yaml.

# Build stage: Debian's Go image with gcc, for SQLite's cgo.
FROM docker.io/library/golang:1.26-bookworm AS build
ARG VERSION=dev
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The native compiler builds the image's own architecture.
RUN case "${TARGETARCH:-$(go env GOARCH)}" in \
	amd64) target=amd64 ;; \
	arm64) target=arm64; export CC_ARM64=gcc ;; \
	arm) target=armv7; export CC_ARMV7=gcc ;; \
	*) echo "unsupported architecture ${TARGETARCH}" >&2; exit 1 ;; \
	esac && \
	VERSION=$VERSION scripts/release -o /out "$target" && \
	mv "/out/neighbourbot-linux-$target" /out/neighbourbot && \
	/out/neighbourbot version && \
	mkdir -p /rootfs/data /rootfs/etc/ssl/certs && \
	cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ && \
	printf 'neighbourbot:x:10001:10001::/data:/neighbourbot\n' > /rootfs/etc/passwd && \
	printf 'neighbourbot:x:10001:\n' > /rootfs/etc/group

# The image: the binary, the CA certificates for HTTPS (WhatsApp, feeds,
# council servers), an unprivileged user and the data directory.
FROM scratch
COPY --from=build /rootfs/etc /etc
COPY --from=build --chown=10001:10001 --chmod=0700 /rootfs/data /data
COPY --from=build /out/neighbourbot /neighbourbot
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# Settings come from /data/config.toml when present, or from the
# environment (NEIGHBOURBOT_<SECTION>_<KEY>). The metrics and health server
# listens on every interface inside the container; publish it to loopback.
ENV NEIGHBOURBOT_BOT_DATA_DIR=/data \
	NEIGHBOURBOT_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
	CMD ["/neighbourbot", "health"]
ENTRYPOINT ["/neighbourbot"]
CMD ["run"]
