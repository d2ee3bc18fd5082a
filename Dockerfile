# Multi-stage build: compile in the Rust image, run on a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin rapport

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data rapport \
 && mkdir -p /data && chown rapport /data
COPY --from=build /src/target/release/rapport /usr/local/bin/rapport
USER rapport
WORKDIR /data
ENV RAPPORT_BIND=0.0.0.0:8080 \
    RAPPORT_DATABASE_URL=sqlite:///data/rapport.db?mode=rwc
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["rapport"]
CMD ["serve"]
