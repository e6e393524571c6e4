# syntax=docker/dockerfile:1
# switchsim image: built from source with the README's own steps, run as a non-root user.
#   docker build -t switchsim .
#   docker run --rm -p 19116:19116 switchsim
# The compose stack (docker-compose.yml) adds Prometheus and Grafana.

FROM debian:12-slim AS build
WORKDIR /src
COPY . .
# README, "Build and install": install build packages, build, install.
ENV DESTDIR=/staging
RUN scripts/deps.sh build
RUN make
RUN make install PREFIX=/usr/local

FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd12 libyaml-0-2 libdeflate0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin switchsim
COPY --from=build /staging/usr/local/ /usr/local/
USER switchsim
EXPOSE 19116
# No curl in the image: bash's /dev/tcp speaks enough HTTP for a health check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/19116 && printf 'GET /-/healthy HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["/usr/local/bin/switchsim"]
CMD ["--profile", "/usr/local/share/switchsim/profiles/default.yaml"]
