# A stand-in for the pinned prom/prometheus image, for tests/docker/docker_test.py only: no
# image registry is reachable where the tests run, so the test builds this from Debian 12's
# `prometheus` package (2.42) and tags it with the name docker-compose.yml pins. It mirrors
# the official image's layout: ENTRYPOINT the server, user nobody, data in /prometheus.
FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends prometheus \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /prometheus \
    && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
