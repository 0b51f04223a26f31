# Disagreement Atlas as a Hugging Face Docker Space (see README, "Deploy your own Space").
# The app reads the store named by ATLAS_STORE_REPO (a Space variable) from the Hub, read-only;
# without it, it builds and shows the simulated demo store.
FROM python:3.11-slim

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

EXPOSE 8501
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
