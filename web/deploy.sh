#!/usr/bin/env bash
# Deploys the web client as a static site: web/template.yaml (S3 + CloudFront),
# then web/dist and a config.json naming the API. See docs/web.md.
#
#   web/deploy.sh STACK_NAME API_URL
#   e.g. web/deploy.sh serverless-shop-web https://abc123.execute-api.eu-west-1.amazonaws.com/Prod
set -euo pipefail
cd "$(dirname "$0")"
stack=${1:?usage: web/deploy.sh STACK_NAME API_URL}
api_url=${2:?usage: web/deploy.sh STACK_NAME API_URL}
api_url=${api_url%/}

PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
npm run build

aws cloudformation deploy --template-file template.yaml --stack-name "$stack" \
  --parameter-overrides "ApiUrl=$api_url" --no-fail-on-empty-changeset
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
bucket=$(output BucketName)
distribution=$(output DistributionId)
site=$(output SiteUrl)

# Hashed assets never change; everything else is revalidated. CloudFront
# compresses, so the build's .gz siblings stay behind.
aws s3 sync dist/assets "s3://$bucket/assets" --delete --exclude '*.gz' \
  --cache-control 'public, max-age=31536000, immutable'
aws s3 sync dist "s3://$bucket" --delete --exclude '*.gz' --exclude 'assets/*' --exclude 'config.json' \
  --cache-control 'no-cache'
printf '{"api_url":"%s"}\n' "$api_url" |
  aws s3 cp - "s3://$bucket/config.json" --content-type application/json --cache-control no-store
aws cloudfront create-invalidation --distribution-id "$distribution" --paths /index.html /config.json >/dev/null

echo "web client: $site"
echo "next: redeploy the API with CorsAllowOrigin=$site so only this site may call it from a browser"
