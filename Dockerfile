FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1
# Install torch first, as the Makefile does; pass a CPU-only requirement here to keep the image small.
ARG TORCH_REQUIREMENT="torch==2.13.0"
RUN pip install "${TORCH_REQUIREMENT}"

WORKDIR /app
COPY pyproject.toml README.md ./
COPY sdk ./sdk
COPY memos_service ./memos_service
COPY workers ./workers
COPY gpu_index ./gpu_index
COPY migrations ./migrations
# Editable, so `memos migrate` finds migrations/ beside the packages.
RUN pip install -e ./sdk -e . \
    && useradd --create-home memos && mkdir -p /data && chown memos /data
USER memos
EXPOSE 8000
CMD ["memos", "serve", "--host", "0.0.0.0", "--port", "8000"]
