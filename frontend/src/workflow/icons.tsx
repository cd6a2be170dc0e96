// One distinct icon per block type, from lucide (the icon set the catalog names: each
// block's spec says e.g. "message-square"). Only these icons are bundled.
import {
  Award, BadgeCheck, Bell, Blocks, Calendar, ClipboardList, Clock, Cloud, Filter, GitBranch, Globe, Handshake, Hash, Hourglass, Inbox,
  Kanban, LifeBuoy, LogOut, Mail, MessageSquare, Pause, PhoneCall, PhoneOutgoing, Play, Split, TicketPercent, Timer,
  UserCheck, UserPen, Users, UsersRound, Webhook, Zap,
  type LucideIcon,
} from "lucide-react";

const ICONS: Record<string, LucideIcon> = {
  zap: Zap, users: Users, calendar: Calendar, hourglass: Hourglass, clock: Clock, webhook: Webhook,
  play: Play, filter: Filter, "git-branch": GitBranch, "user-check": UserCheck, split: Split,
  timer: Timer, bell: Bell, "log-out": LogOut, mail: Mail, "message-square": MessageSquare,
  "phone-call": PhoneCall, globe: Globe, "user-pen": UserPen, "ticket-percent": TicketPercent,
  "clipboard-list": ClipboardList, "phone-outgoing": PhoneOutgoing,
  // CRM & helpdesk connectors
  "life-buoy": LifeBuoy, inbox: Inbox, handshake: Handshake, cloud: Cloud, kanban: Kanban, hash: Hash,
  "users-round": UsersRound,
  // the example block package (examples/keepflow-blocks-example)
  award: Award, "badge-check": BadgeCheck,
};

/** A block's mark: its icon on the category's colour (a puzzle-like fallback for icons
 * this build does not know, e.g. a block added on the server later). */
export function BlockIcon({ icon, category }: { icon: string | undefined; category: string }) {
  const Icon = ICONS[icon ?? ""] ?? Blocks;
  return (
    <span className={`block-icon mark-${category}`} aria-hidden="true">
      <Icon size={14} strokeWidth={2.25} />
    </span>
  );
}

export { Pause as PauseIcon, Play as PlayIcon };
