# The API image: slim Python, the bundled embedding model, the index built at build time, a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    INTERVIEWER_DATA_DIR=/data \
    INTERVIEWER_HOST=0.0.0.0 \
    INTERVIEWER_PORT=8000 \
    OMP_WAIT_POLICY=PASSIVE

RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app:app /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY interviewer ./interviewer
COPY api ./api
COPY eval ./eval
COPY corpus ./corpus
RUN pip install ".[postgres]"

USER app
# Encode the corpus now so a container starts serving in seconds.
RUN interviewer corpus stats --json

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["interviewer", "serve"]
