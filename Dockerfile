# Disagreement Atlas as a Hugging Face Docker Space (see README, "Deploy your own Space").
# The app reads the store named by ATLAS_STORE_REPO (a Space variable) from the Hub, read-only;
# without it, it builds and shows the simulated demo store.
FROM python:3.11-slim

# nginx spreads visitors over several app processes (python -m ui.serve); it runs as the app's
# user with its pid and temporary files in a folder of its own, so no root is needed at run time.
RUN apt-get update && apt-get install -y --no-install-recommends nginx && rm -rf /var/lib/apt/lists/*

# Spaces run the container as uid 1000; give that user a home for the pip and Hub caches.
# HF_HUB_DISABLE_TELEMETRY also spares a network lookup when huggingface_hub builds its request
# headers, so a Hub outage is noticed within ATLAS_HUB_TIMEOUT seconds.
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    ATLAS_HUB_TIMEOUT=5
WORKDIR $HOME/app

COPY --chown=user requirements.txt requirements.txt
RUN pip install --no-cache-dir --upgrade -r requirements.txt

COPY --chown=user . .

# Two app processes for the free Space's 2 vCPUs, behind nginx on 8501; the store is resolved
# (the demo built, a published store downloaded) once, before they start.
EXPOSE 8501
CMD ["python", "-m", "ui.serve", "--processes", "2", "--port", "8501", "--address", "0.0.0.0"]
