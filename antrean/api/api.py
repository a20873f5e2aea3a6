from ninja import NinjaAPI

api = NinjaAPI(title="Antrean API", version="1", urls_namespace="api")
