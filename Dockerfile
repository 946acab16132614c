# cdbsim as a container: `docker build -t cdbsim .` then `docker run -p 8779:8779 cdbsim` (docs/container.md).
# The sandbox serves on 0.0.0.0:$CDBSIM_PORT (8779) with its state in the /data volume, as user cdbsim (10001);
# arguments after the image name are added to `cdbsim serve` (e.g. --time-scale 0, --admin-token T).
# BASE_IMAGE is any image with python3 (3.10 or later) and its venv module. With a wheelhouse/ folder in the build
# context (made with `pip wheel -w wheelhouse setuptools .`), the build installs from it alone, offline.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
COPY . /src
RUN set -eu; \
    if [ -d /src/wheelhouse ]; then offline="--no-index --find-links /src/wheelhouse"; else offline=""; fi; \
    python3 -m venv /opt/cdbsim; \
    pip="/opt/cdbsim/bin/pip --no-cache-dir --disable-pip-version-check"; \
    $pip wheel --no-deps $offline -w /dist /src; \
    $pip install $offline /dist/cdbsim-*.whl

FROM ${BASE_IMAGE}
COPY --from=build /opt/cdbsim /opt/cdbsim
RUN set -eu; \
    echo 'cdbsim:x:10001:10001:cdbsim:/data:/usr/sbin/nologin' >> /etc/passwd; \
    echo 'cdbsim:x:10001:' >> /etc/group; \
    mkdir -p /data; chown 10001:10001 /data
ENV PATH=/opt/cdbsim/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CDBSIM_PORT=8779
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8779
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sim/health' % os.environ['CDBSIM_PORT'], timeout=2)"]
ENTRYPOINT ["/bin/sh", "-c", "exec cdbsim serve --host 0.0.0.0 --port \"$CDBSIM_PORT\" --db /data/cdbsim.db \"$@\"", "cdbsim"]
