from .organisations import Cluster, Organisation
from .pages import ContentPage, HomeFeaturedSpace, HomePage, LegalPages
from .spaces import Invitation, Membership, Space
from .users import Profile, User, Visibility
from .vocabulary import Language, Role, Sector, Theme

__all__ = [
    "Cluster",
    "ContentPage",
    "HomeFeaturedSpace",
    "HomePage",
    "Invitation",
    "Language",
    "LegalPages",
    "Membership",
    "Organisation",
    "Profile",
    "Role",
    "Sector",
    "Space",
    "Theme",
    "User",
    "Visibility",
]
