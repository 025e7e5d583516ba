from django.conf import settings
from django.core.management.base import BaseCommand

from audit.checkpoints import key_id, load_signer


class Command(BaseCommand):
    help = (
        "显示（缺失时生成）本服务器的检查点签名密钥：算法、密钥标识和公钥。"
        "把公钥交给议事监督委员会保存；多台服务器须使用同一个密钥文件。"
    )

    def handle(self, *args, **options):
        signer = load_signer()
        self.stdout.write(f"密钥文件：{settings.FUNDADMIN_CHECKPOINT_KEY_FILE}")
        self.stdout.write(f"算法：{signer.algorithm}　密钥标识：{key_id(signer.algorithm, signer.public_bytes)}")
        self.stdout.write("公钥：")
        self.stdout.write(signer.public_text().rstrip("\n"))
