# pgshim in a container: build on Debian 12 with the same package list as
# scripts/run.sh and scripts/test.sh (scripts/install-deps.sh), run on
# debian:12-slim with only the shared libraries the binary links.
#
#   docker build -t pgshim .
#   docker run --rm -p 6432:6432 -e PGSHIM_UPSTREAM='postgres://db:5432/app?sslmode=require' pgshim
#   docker run --rm -p 6432:6432 -v $PWD/pgshim.yaml:/etc/pgshim/pgshim.yaml:ro pgshim \
#       --config /etc/pgshim/pgshim.yaml --listen 0.0.0.0:6432
#
# Arguments given to `docker run` replace the default CMD: repeat
# --listen 0.0.0.0:6432 (or set `listen:` in the file), or pgshim listens on the
# container's loopback only. SIGTERM drains sessions (timeouts.drain, 30 s by
# default): give `docker stop -t` at least that long.

FROM debian:12 AS build
# The package list first, so that editing sources does not reinstall the toolchain.
# `--runtime` installs the build and runtime packages, without the test tools.
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN bash /src/scripts/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/*

COPY . /src
WORKDIR /src
# A one-off build: ccache would only fill a layer.
ENV CCACHE_DISABLE=1
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DPGSHIM_BUILD_TESTS=OFF -DPGSHIM_BUILD_BENCH=OFF \
 && cmake --build /build --target pgshim -j"$(nproc)" \
 && cmake --install /build --prefix /out --strip

FROM debian:12-slim
# What `ldd pgshim` resolves to on Debian 12 (libstdc++6 and libc6 are in the
# base image); ca-certificates for upstream CA files that point at the system store.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      libpq5 libssl3 libspdlog1.10 libfmt9 libyaml-cpp0.7 libpg-query1504.0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pgshim
COPY --from=build /out/bin/pgshim /usr/local/bin/pgshim
COPY config/pgshim.example.yaml /etc/pgshim/pgshim.example.yaml
# Fails the image build if a shared library above is missing.
RUN pgshim --version

# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
EXPOSE 6432
ENTRYPOINT ["pgshim"]
CMD ["--listen", "0.0.0.0:6432"]
