# Baton's container image: build in the Rust image, run from a small
# distroless image as a non-root user, data in a volume.
#   docker build -t baton .
#   docker run -d --name baton -p 3000:3000 -v baton-data:/data --env-file .env baton
# See docker-compose.yml, and "Containers" in the README.

FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY handlers handlers
COPY state state
COPY src src
COPY slack slack
RUN cargo build --release --locked --bin baton \
 && strip target/release/baton \
 && mkdir /data-folder

# glibc, CA certificates (for Slack's and GitHub's TLS) and a `nonroot` user
# (uid 65532); no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/baton /usr/local/bin/baton
# The volume's mount point, owned by the non-root user, so a new named
# volume starts out writable by Baton.
COPY --from=build --chown=65532:65532 /data-folder /data
USER 65532:65532
WORKDIR /data
ENV BATON_LISTEN=0.0.0.0:3000 \
    BATON_DATA=/data/baton.redb \
    BATON_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 3000
# `baton healthcheck` GETs /readyz on BATON_LISTEN: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/baton", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/baton"]
CMD ["serve"]
