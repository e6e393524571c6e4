# switchsim image: built from source with the README's own steps, run as a non-root user.
#   docker build --build-arg REVISION="$(git rev-parse --short HEAD)" -t switchsim .
#   docker run --rm -p 127.0.0.1:19116:19116 switchsim
# The compose stack (docker-compose.yml) adds Prometheus and Grafana. `make docker-test`
# (tests/docker/) builds and runs this file with Debian's docker.io; see docs/QUICKSTART.md.
# No "# syntax=" line: it makes BuildKit fetch a frontend image from a registry.

FROM debian:12-slim AS build
WORKDIR /src
# README, "Build and install": install build packages, build, install. The package list
# comes first, alone, so changing a source file does not reinstall the toolchain.
COPY scripts/deps.sh scripts/
RUN scripts/deps.sh build
COPY . .
# The build context has no .git: the revision comes in as a build argument.
ARG REVISION=unknown
ENV DESTDIR=/staging
# Both steps get it: the build records PREFIX, VERSION and REVISION, and a step that
# computed another revision (no .git here) would rebuild the binary with "unknown".
RUN make REVISION="$REVISION" PREFIX=/usr/local
RUN make install REVISION="$REVISION" PREFIX=/usr/local

FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd12 libyaml-0-2 libdeflate0 libgnutls30 libcrypt1 \
       libcurl3-gnutls libsnappy1v5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin switchsim
COPY --from=build /staging/usr/local/ /usr/local/
COPY scripts/docker-healthcheck /usr/local/bin/
USER switchsim
EXPOSE 19116
# Probes the address switchsim listens on, whatever -p or --web.listen-address chose.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/docker-healthcheck"]
ENTRYPOINT ["/usr/local/bin/switchsim"]
CMD ["--profile", "/usr/local/share/switchsim/profiles/default.yaml"]
