# The Rasa server (Python 3.10: rasa 3.6 needs < 3.11), and the retention purge.
#   docker build -f deploy/rasa.Dockerfile .        (from the repository's root; `make images` does it)
# Needs what `make setup` builds from the repository (the trained model, the spaCy
# pipeline) and the wheels of requirements/rasa.txt in build/deploy/wheels/rasa
# (scripts/deploy-images.sh downloads them, checked against their hashes): the build
# itself downloads nothing. No secret and no knowledge page is in the image.
ARG BASE_IMAGE=python:3.10-slim-bookworm

FROM ${BASE_IMAGE} AS install
COPY requirements/rasa.txt /tmp/rasa.txt
COPY build/deploy/wheels/rasa /tmp/wheels
# Hash-checked, from the wheels only. Three pins are source archives (docopt,
# mattermostwrapper, randomname): they build with the venv's own setuptools.
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-index --find-links /tmp/wheels --require-hashes \
      --no-build-isolation -r /tmp/rasa.txt \
 && find /opt/venv -name '__pycache__' -path '*/tests/*' -prune -exec rm -rf {} +

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/clinic clinic \
 && mkdir -p /var/lib/clinic-faq && chown clinic:clinic /var/lib/clinic-faq
COPY --from=install /opt/venv /opt/venv
WORKDIR /app
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY common/ common/
COPY knowledge/ knowledge/
COPY bot/ bot/
COPY build/spacy_pipeline/ build/spacy_pipeline/
COPY models/current.tar.gz models/current.tar.gz
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    BIND_HOST=0.0.0.0 \
    SMS_DB=/var/lib/clinic-faq/sms.sqlite \
    TRACKER_DB=/var/lib/clinic-faq/tracker.db
USER clinic
EXPOSE 5005
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ.get('RASA_PORT', '5005'), timeout=4)"
CMD ["python", "-m", "bot.container", "run"]
