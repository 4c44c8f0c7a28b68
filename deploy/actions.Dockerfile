# The action server, the website and the staff console (Python 3.11): one image,
# two services (`python -m serving.container actions|web`).
#   docker build -f deploy/actions.Dockerfile .     (from the repository's root; `make images` does it)
# Needs what `make setup` builds from the repository (the exported ONNX embedder
# with its tokenizer, the reader's trained models, the passage index) and the wheels of
# requirements/actions-runtime.txt in build/deploy/wheels/actions (no PyTorch: the
# image embeds with ONNX Runtime). The knowledge pages are mounted at /srv/pages,
# not baked in: the live reload re-indexes the pages found there.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS install
COPY requirements/actions-runtime.txt /tmp/actions-runtime.txt
COPY build/deploy/wheels/actions /tmp/wheels
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-index --find-links /tmp/wheels --require-hashes \
      -r /tmp/actions-runtime.txt

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/clinic clinic \
 && mkdir -p /var/lib/clinic-faq /srv/pages && chown clinic:clinic /var/lib/clinic-faq
COPY --from=install /opt/venv /opt/venv
WORKDIR /app
COPY common/ common/
COPY knowledge/ knowledge/
COPY actions/ actions/
COPY serving/ serving/
COPY web/ web/
COPY data/nlu/ data/nlu/
COPY build/embedder/ build/embedder/
COPY build/reader/ build/reader/
COPY --chown=clinic:clinic build/index/ build/index/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    BIND_HOST=0.0.0.0 \
    KNOWLEDGE_DIR=/srv/pages \
    STAFF_DB=/var/lib/clinic-faq/staff.sqlite \
    SMS_DB=/var/lib/clinic-faq/sms.sqlite
USER clinic
EXPOSE 5055 8080
# The action server's /health (deploy/compose.yml gives the website's service its own check).
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('ACTION_PORT', '5055'), timeout=4)"
CMD ["python", "-m", "serving.container", "actions"]
