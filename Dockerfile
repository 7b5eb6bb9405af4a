# The Comanda server (with the apps' builds) for docker-compose.yml: PostgreSQL mode, or scale-out with ELECTRIC_URL.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
COPY shared/schema/package.json shared/schema/
COPY server/package.json server/
COPY sync/package.json sync/
COPY tests/package.json tests/
COPY apps apps
RUN npm ci --include=dev --ignore-scripts
# The chatbot's multilingual embedding model, baked in at build time: the server never downloads it.
# `--build-arg EMBED_MODEL=` leaves it out (the chatbot then runs on full-text retrieval and says so).
ARG EMBED_MODEL=Xenova/multilingual-e5-small
COPY scripts/install-embed-model.mjs scripts/
RUN if [ -n "$EMBED_MODEL" ]; then node scripts/install-embed-model.mjs /opt/comanda/models "$EMBED_MODEL"; fi
ENV EMBED_MODEL_DIR=/opt/comanda/models
COPY . .
RUN node scripts/build-apps.mjs
EXPOSE 3000
CMD ["npx", "tsx", "server/src/main.ts"]
