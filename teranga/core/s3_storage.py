"""The S3 backend of the media storages (``teranga.core.storage.media_storages`` names it
in ``STORAGES``; kept apart so that the settings do not import boto3)."""

from __future__ import annotations

from storages.backends.s3 import S3Storage as BaseS3Storage
from storages.utils import clean_name


class S3Storage(BaseS3Storage):
    """django-storages' ``S3Storage``, whose presigned links may name another address of
    the store than the one the app uses (``presign_endpoint_url``): behind compose, the
    app reaches MinIO at ``http://minio:9000``, an address only inside Docker, while a
    browser reaches it through the proxy. Presigning makes no request, so a second client
    built for that address signs the links; the store checks them against the host the
    proxy passes on. django-storages has no such option (its ``custom_domain`` signs only
    for CloudFront)."""

    def get_default_settings(self):
        return {**super().get_default_settings(), "presign_endpoint_url": None}

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not (self.presign_endpoint_url and self.querystring_auth) or self.custom_domain:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = {**(parameters or {}), "Bucket": self.bucket_name}
        params["Key"] = self._normalize_name(clean_name(name))
        return self._presign_client().generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )

    def _presign_client(self):
        client = getattr(self, "_presign_client_cached", None)
        if client is None:
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                endpoint_url=self.presign_endpoint_url,
                config=self.client_config,
            )
            self._presign_client_cached = client
        return client
