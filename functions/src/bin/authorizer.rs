fn main() -> Result<(), lambda_runtime::Error> {
    shared::lambda::run_event::<functions::authorizer::Authorizer>()
}
