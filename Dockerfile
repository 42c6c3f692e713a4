# syntax=docker/dockerfile:1
# The `gongkai` server: built in release mode, run on a slim Debian image as an unprivileged user.
# docker-compose.yml runs two of these behind nginx with PostgreSQL and Redis.

FROM rust:1.95-slim-trixie AS build
WORKDIR /src
COPY . .
# The registry and target caches only speed up rebuilds; the binary is copied out of the cache mount.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p gongkai --bin gongkai \
    && cp target/release/gongkai /usr/local/bin/gongkai

FROM debian:trixie-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/gongkai gongkai
COPY --from=build /usr/local/bin/gongkai /usr/local/bin/gongkai
USER gongkai
WORKDIR /var/lib/gongkai
ENV LISTEN_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json \
    RUST_LOG=info
EXPOSE 8080
# SIGTERM drains in-flight requests (up to 20 s) before the process exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["gongkai"]
CMD ["serve"]
