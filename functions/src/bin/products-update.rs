fn main() -> Result<(), lambda_http::Error> {
    shared::lambda::run::<functions::products::update::UpdateProduct>()
}
