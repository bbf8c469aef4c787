#!/usr/bin/env bash
# Builds every function (`sam build`, arm64 with cargo-lambda) and deploys the
# stack to a running LocalStack (`samlocal deploy`), then prints the API's URL.
#
#   docker compose -f localstack/docker-compose.yml up -d
#   localstack/deploy.sh
#
# Needs: sam (aws-sam-cli), samlocal (aws-sam-cli-local), awslocal (awscli-local),
# cargo-lambda with zig; LocalStack running with Docker. See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="$AWS_DEFAULT_REGION"
endpoint="${LOCALSTACK_ENDPOINT:-http://localhost:4566}"
stack="${STACK_NAME:-serverless-shop}"

die() { echo "localstack/deploy.sh: $*" >&2; exit 1; }
for tool in sam samlocal awslocal cargo-lambda curl; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH (pip install aws-sam-cli aws-sam-cli-local awscli-local cargo-lambda)"
done
curl -sf "$endpoint/_localstack/health" >/dev/null ||
  die "LocalStack does not answer on $endpoint: docker compose -f localstack/docker-compose.yml up -d"
if [ "$(uname -m)" != aarch64 ] && [ "$(uname -m)" != arm64 ]; then
  echo "note: the functions are arm64; on this $(uname -m) host Docker needs arm64 emulation" >&2
  echo "      (once: docker run --privileged --rm tonistiigi/binfmt --install arm64)" >&2
fi

echo "==> sam build"
sam build --config-env localstack

echo "==> samlocal deploy (stack $stack)"
samlocal deploy --config-env localstack --stack-name "$stack"

api_id=$(awslocal cloudformation describe-stack-resource --stack-name "$stack" --logical-resource-id Api \
  --query StackResourceDetail.PhysicalResourceId --output text)
stage=$(awslocal cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Parameters[?ParameterKey=='StageName'].ParameterValue" --output text)
url="$endpoint/restapis/$api_id/$stage/_user_request_"

echo "==> smoke test: GET /health"
curl -s "$url/health" || true
echo
echo
echo "API URL: $url"
echo "try:     curl -s $url/health"
